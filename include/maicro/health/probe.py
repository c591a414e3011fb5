"""The data-feed latency probe: times the /info requests the project uses, per endpoint.

Not a side effect of ingestion: ingestion's round trips only exist while it runs and only for
what it needs; the probe asks the same questions of every configured endpoint (primary and
secondary) every minute, so a slow or skewed endpoint shows before ingestion depends on it.

Each round, per endpoint:
- clearinghouseState: round trip and the exchange clock's skew against ours (its `time`);
- allMids (weight 2) and l2Book of the first coin (weight 2; its `time` is the mid's age);
and once per round, wherever it is due:
- candleSnapshot of the last minutes of 1m candles (the primary: the endpoint ingestion uses):
  the newest candle's age;
- one of the heavier request types ingestion uses (weight 20 each), in turn by minute and, with a
  secondary endpoint, alternating between the endpoints, so every type is timed on every endpoint
  every 2 x 7 minutes. The user-specific ones ask about the zero address: an empty answer carries
  no per-item surcharge, so a busy account (historicalOrders: up to +100) cannot push a minute
  over the budget; the request's path through the API is what is timed.
Both endpoints together then cost 2+2+2 per endpoint + 20 + 20 = 52 weight every minute (4.3% of
the 1200/min per-IP budget, mean and heaviest minute alike; `bench/health_bench.py`).
Requests go through `HyperliquidClient` with a single attempt (a probe measures, it does not
retry), so they count against the same shared weight budget as ingestion.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from maicro import settings
from maicro.hyperliquid.client import (
    ZERO_ADDRESS,
    HyperliquidClient,
    HyperliquidUnavailable,
    RetryPolicy,
)

ROTATING = (
    "metaAndAssetCtxs",
    "frontendOpenOrders",
    "historicalOrders",
    "userFillsByTime",
    "userFunding",
    "userNonFundingLedgerUpdates",
    "portfolio",
)
CANDLE_WINDOW_MS = 5 * 60_000
PROBE_COLUMNS = (
    "probed_at",
    "endpoint",
    "request_type",
    "rtt_ms",
    "ok",
    "error",
    "clock_skew_ms",
    "candle_age_ms",
    "mid_age_ms",
)


@dataclass(frozen=True)
class Probe:
    # When the round started, the same for every request of a round: the checks judge an
    # endpoint by its latest round, and the shared time is what delimits one.
    probed_at_ms: int
    endpoint: str
    request_type: str
    rtt_ms: float
    ok: bool
    error: str
    clock_skew_ms: float | None = None
    candle_age_ms: float | None = None
    mid_age_ms: float | None = None

    def row(self) -> tuple:
        from datetime import UTC, datetime

        at = datetime.fromtimestamp(self.probed_at_ms / 1000, UTC)
        return (at, self.endpoint, self.request_type, self.rtt_ms, int(self.ok), self.error,
                self.clock_skew_ms, self.candle_age_ms, self.mid_age_ms)  # fmt: skip


def _payload(request_type: str, user: str, now_ms: int) -> dict[str, object]:
    ranged = {"startTime": now_ms - 3_600_000, "endTime": now_ms}
    payloads: dict[str, dict[str, object]] = {
        "metaAndAssetCtxs": {"type": "metaAndAssetCtxs"},
        "frontendOpenOrders": {"type": "frontendOpenOrders", "user": user},
        "historicalOrders": {"type": "historicalOrders", "user": user},
        "userFillsByTime": {"type": "userFillsByTime", "user": user, **ranged},
        "userFunding": {"type": "userFunding", "user": user, **ranged},
        "userNonFundingLedgerUpdates": {"type": "userNonFundingLedgerUpdates", "user": user, **ranged},
        "portfolio": {"type": "portfolio", "user": user},
    }  # fmt: skip
    return payloads[request_type]


def probe_endpoint(
    endpoint: str,
    *,
    now_ms: int | None = None,
    timeout_s: float = 5.0,
    candles: bool = True,
    heavy: str | None = None,
) -> list[Probe]:
    """One round against one endpoint: the light requests, the candles if `candles`, and the
    heavy request type `heavy` (default: the one due this minute). Never raises: a failed request
    is a probe with its error (and a refused connection ends the round: the rest would be
    refused too)."""
    client = HyperliquidClient(endpoint, retry=RetryPolicy(max_attempts=1), timeout_s=timeout_s)
    now_ms = now_ms or int(time.time() * 1000)
    accounts = settings.get().accounts
    user = accounts[0].address if accounts else ZERO_ADDRESS
    out: list[Probe] = []
    answers: dict[str, object] = {}

    def ask(request_type: str, payload: dict, expect: type) -> None:
        if client.down:
            return
        try:
            answers[request_type] = client.post(payload, expect=expect)
            error = ""
        except HyperliquidUnavailable as exc:
            error = " ".join(str(exc).split())[:300]
        trip = client.round_trips[-1] if client.round_trips else None
        out.append(
            Probe(
                now_ms, client.base_url, request_type,
                trip.latency_ms if trip else 0.0, not error, error,
                trip.server_time_skew_ms if trip and not error else None,
            )
        )  # fmt: skip

    ask("clearinghouseState", {"type": "clearinghouseState", "user": user}, dict)
    ask("allMids", {"type": "allMids"}, dict)
    mids = answers.get("allMids")
    coin = next(iter(sorted(mids)), None) if isinstance(mids, dict) and mids else None
    coin = "BTC" if isinstance(mids, dict) and "BTC" in mids else coin
    state = answers.get("clearinghouseState")
    exchange_ms = state.get("time") if isinstance(state, dict) else None
    reference = exchange_ms if isinstance(exchange_ms, int) else now_ms
    if coin:
        ask("l2Book", {"type": "l2Book", "coin": coin}, dict)
        book = answers.get("l2Book")
        if isinstance(book, dict) and isinstance(book.get("time"), int):
            out[-1] = _with(out[-1], mid_age_ms=float(reference - book["time"]))
    if coin and candles:
        req = {"coin": coin, "interval": "1m", "startTime": reference - CANDLE_WINDOW_MS,
               "endTime": reference}  # fmt: skip
        ask("candleSnapshot", {"type": "candleSnapshot", "req": req}, list)
        snapshot = answers.get("candleSnapshot")
        if isinstance(snapshot, list) and snapshot:
            newest = max(c.get("t", 0) for c in snapshot if isinstance(c, dict))
            out[-1] = _with(out[-1], candle_age_ms=float(reference - newest))
    rotating = ROTATING[(now_ms // 60_000) % len(ROTATING)] if heavy is None else heavy
    if rotating:
        ask(rotating, _payload(rotating, ZERO_ADDRESS, reference), list)
    return out


def _with(probe: Probe, **changes: float | None) -> Probe:
    from dataclasses import replace

    return replace(probe, **changes)  # type: ignore[arg-type]


def heavy_plan(urls: list[str], now_ms: int) -> dict[str, str]:
    """endpoint -> the heavy request type it is asked this minute: one endpoint per minute, in
    turn, each taking the rotation's types in turn (every type on every endpoint every
    len(urls) x len(ROTATING) minutes)."""
    minute = now_ms // 60_000
    due = ROTATING[(minute // len(urls)) % len(ROTATING)]
    return {urls[minute % len(urls)]: due}


def probe_all(*, now_ms: int | None = None) -> list[Probe]:
    """One round against every configured endpoint (primary, then the secondary if set): light
    requests on each, candles on the primary, the minute's heavy request on one of them."""
    now_ms = now_ms or int(time.time() * 1000)
    urls = settings.get().api_urls
    plan = heavy_plan(urls, now_ms)
    return [
        p
        for i, url in enumerate(urls)
        for p in probe_endpoint(url, now_ms=now_ms, candles=i == 0, heavy=plan.get(url, ""))
    ]


def store(probes: list[Probe], client) -> None:
    """Append the round to maicro_monitors.api_probes (local; as maicro_monitor)."""
    if probes:
        client.insert("maicro_monitors.api_probes", [p.row() for p in probes],
                      column_names=list(PROBE_COLUMNS))  # fmt: skip
