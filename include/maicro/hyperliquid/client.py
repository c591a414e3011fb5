"""The one way the package reads Hyperliquid's /info API: the SDK's `Info`, made safe for a pipeline.

The SDK (hyperliquid-python-sdk 0.24) is a thin transport: no timeout by default, no retries, no
pagination, and it cannot tell a truncated answer from a real one. This wrapper adds what
unattended ingestion needs, and nothing else:

- an explicit timeout and a client-side weight budget (`weights.WeightBudget`), shared by every
  process on this machine that talks to the same API, so we stay under the per-IP limit;
- retries with exponential backoff and jitter on 429 (honouring Retry-After), 5xx, timeouts,
  dropped connections and answers that are not the JSON they should be (a truncated body is a
  `ClientError` with the raw text on 4xx, or `{"error": "Could not parse JSON…"}` on 2xx);
- time-range pagination from the last timestamp, with de-duplication at page edges (several
  records can share the millisecond a page ends on, so the next page starts *at* it);
- a record of every round trip (latency, outcome, and server-clock skew when the answer carries
  the server's time), which becomes `maicro_monitors.api_latency`.

One `HyperliquidClient` (hence one `Info`) per run. We build `Info` with an empty meta so that its
constructor makes no unretried network calls, and we send typed payloads through `Info.post`
ourselves: the coin-name mapping the SDK would build is not needed, and it does not know HIP-3
coins such as `xyz:XYZ100` anyway.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import requests
from hyperliquid.info import Info
from hyperliquid.utils.error import ClientError, ServerError

from maicro import settings
from maicro.errors import MaicroError
from maicro.hyperliquid import weights

ZERO_ADDRESS = "0x" + "0" * 40
_EMPTY_META: dict[str, list] = {"universe": []}
_EMPTY_SPOT_META: dict[str, list] = {"universe": [], "tokens": []}


log = logging.getLogger(__name__)


class HyperliquidUnavailable(MaicroError):
    """The API kept failing after every retry (or refused the request outright)."""


class EndpointDown(HyperliquidUnavailable):
    """Nothing accepts connections at the endpoint (a mistyped URL, a stopped server).

    Declared once per client: retrying every request of every data type with backoff took a
    newcomer's `maicro ingest` more than 6 minutes to say nothing; a refused connection is not a
    transient answer, so every later request fails at once with the same one line.
    """


@dataclass(frozen=True)
class RoundTrip:
    """One HTTP request to /info: a latency probe as `maicro_monitors.api_latency` stores it."""

    probed_at_ms: int  # our wall clock when the request was sent
    request_type: str
    status: (
        str  # ok, rate_limited, server_error, timeout, connection_error, bad_response, client_error
    )
    http_status: int  # 0 when no response arrived
    latency_ms: float
    server_time_skew_ms: float | None  # server time - midpoint of our request


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff_s: float = 0.5  # first delay; doubles each attempt
    backoff_max_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Delay before retry number `attempt` (1-based): exponential, with jitter in [½, 1]."""
        base = min(self.backoff_max_s, self.backoff_s * (2 ** (attempt - 1)))
        return base * (0.5 + rng.random() / 2)

    @classmethod
    def from_env(cls) -> RetryPolicy:
        config = settings.get()
        return cls(
            max_attempts=config.maicro_hl_max_attempts,
            backoff_s=config.maicro_hl_backoff_s,
            backoff_max_s=config.maicro_hl_backoff_max_s,
        )


class _Refused(Exception):
    """The TCP connection was refused: the endpoint is down, not slow."""


def _is_refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError) or "Connection refused" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _Retryable(Exception):
    def __init__(
        self, status: str, http_status: int, detail: str, retry_after: float | None = None
    ):
        super().__init__(detail)
        self.status = status
        self.http_status = http_status
        self.retry_after = retry_after


class _Info(Info):
    """`Info` whose 4xx handling never crashes on an unexpected JSON error body.

    The SDK reads `err["code"]` from any JSON 4xx body; a body without it (an undocumented 429
    shape, say) would escape as a KeyError with the status code lost.
    """

    def _handle_exception(self, response):
        try:
            super()._handle_exception(response)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ClientError(
                response.status_code, None, response.text, response.headers, None
            ) from exc


def _headers_of(exc: ClientError) -> Any:
    # The SDK passes headers positionally in different slots for JSON and non-JSON bodies.
    for candidate in (exc.header, exc.error_data):
        if hasattr(candidate, "get"):
            return candidate
    return None


def _retry_after(exc: ClientError) -> float | None:
    headers = _headers_of(exc)
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _looks_like_truncated_json(text: Any) -> bool:
    return isinstance(text, str) and text.lstrip()[:1] in ("{", "[")


def _one_line(text: Any, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


def default_ledger_path(base_url: str):
    """The shared budget file for one API (the limit is per IP and per exchange)."""
    parsed = urlparse(base_url)
    tag = f"{parsed.hostname or 'api'}-{parsed.port or ''}".strip("-")
    digest = hashlib.sha1(base_url.encode()).hexdigest()[:8]
    return settings.get().state_dir / "hyperliquid" / f"weight-{tag}-{digest}.json"


def default_budget(base_url: str) -> weights.WeightBudget:
    """The budget from `MAICRO_HL_WEIGHT_PER_MINUTE` (default 1200; 0 = no client-side limit)."""
    per_minute = settings.get().maicro_hl_weight_per_minute
    return weights.WeightBudget(per_minute, ledger_path=default_ledger_path(base_url))


class HyperliquidClient:
    """Typed, budgeted, retried reads of /info for one ingestion run."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout_s: float | None = None,
        budget: weights.WeightBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        fallback_urls: list[str] | None = None,
    ) -> None:
        """`base_url` None = the configured endpoints (HYPERLIQUID_API_URL, then the secondary as
        fallback); an explicit `base_url` has only the `fallback_urls` given with it."""
        urls = [base_url] + list(fallback_urls or []) if base_url else settings.get().api_urls
        self._urls = [u.rstrip("/") for u in urls]
        self.timeout_s = timeout_s or settings.get().maicro_hl_timeout_s
        self._fixed_budget = budget
        self.retry = retry or RetryPolicy.from_env()
        self._sleep = sleep
        self._rng = random.Random(seed)
        self.down: str | None = None  # why the current endpoint was declared down
        self.failovers: list[str] = []  # one line per switch to a fallback endpoint
        self._checked = len(self._urls) == 1  # a preflight only matters with a fallback
        self._use(0)
        self.round_trips: list[RoundTrip] = []  # drained into api_latency by each ingest step
        self.outcomes: Counter[str] = Counter()  # every round trip of the client's life, by status
        self.retries = 0
        self.notes: list[str] = []  # things a run log should mention (pagination oddities)

    def _use(self, index: int) -> None:
        self._index = index
        self.base_url = self._urls[index]
        self.budget = self._fixed_budget or default_budget(self.base_url)
        self.info = _Info(
            self.base_url,
            skip_ws=True,
            meta=_EMPTY_META,
            spot_meta=_EMPTY_SPOT_META,
            timeout=self.timeout_s,
        )
        self._last_http_status = 0
        self.info.session.hooks["response"].append(self._remember_status)

    def _fail_over(self, reason: str) -> bool:
        """Switch to the next configured endpoint, saying why; False when there is none."""
        if self._index + 1 >= len(self._urls):
            return False
        previous = self.base_url
        self._use(self._index + 1)
        self.down = None
        line = f"{previous} {reason}; switched to {self.base_url}"
        self.failovers.append(line)
        log.warning("Hyperliquid API failover: %s", line)
        return True

    def _preflight(self) -> None:
        """With a fallback configured, the first request of the client's life checks the primary
        once (allMids, no retries): one that refuses, errs or times out is left for the next."""
        self._checked = True
        while self._index + 1 < len(self._urls):
            try:
                self._post_once({"type": "allMids"}, dict)
                return
            except (_Retryable, _Refused, ClientError) as exc:
                status = getattr(exc, "status", "refused connections")
                if not self._fail_over(f"failed its check ({status}: {_one_line(exc)})"):
                    return

    @property
    def source(self) -> str:
        return f"{self.base_url}/info"

    def _remember_status(self, response, *args, **kwargs):
        self._last_http_status = response.status_code

    # -- transport ---------------------------------------------------------------------------

    def post(self, payload: dict, *, expect: type = list) -> Any:
        """POST one /info request; returns its JSON (of type `expect`) or raises
        HyperliquidUnavailable after the retry policy is exhausted."""
        request_type = payload["type"]
        if not self._checked:
            self._preflight()
        if self.down:
            raise EndpointDown(self.down)
        last: _Retryable | None = None
        for attempt in range(1, self.retry.max_attempts + 1):
            token = self.budget.acquire(weights.worst_case_weight(request_type))
            self._last_http_status = 0
            sent_wall = time.time()
            sent = time.perf_counter()
            try:
                data = self._post_once(payload, expect)
            except _Refused as exc:
                latency = (time.perf_counter() - sent) * 1000
                self.budget.settle(token, 0)
                self._record(sent_wall, request_type, "connection_refused", 0, latency, None)
                if self._fail_over("refuses connections"):
                    return self.post(payload, expect=expect)
                self.down = (
                    f"{self.base_url} refuses connections ({_one_line(exc, 100)}): "
                    "is HYPERLIQUID_API_URL right and the API up?"
                )
                raise EndpointDown(self.down) from None
            except _Retryable as exc:
                latency = (time.perf_counter() - sent) * 1000
                self.budget.settle(token, weights.request_weight(request_type))
                self._record(sent_wall, request_type, exc.status, exc.http_status, latency, None)
                last = exc
                if attempt == self.retry.max_attempts:
                    break
                self.retries += 1
                delay = self.retry.delay(attempt, self._rng)
                if exc.status == "rate_limited":
                    delay = max(delay, exc.retry_after or 0.0)
                    self.budget.pause(delay)
                self._sleep(delay)
                continue
            except ClientError as exc:
                latency = (time.perf_counter() - sent) * 1000
                self.budget.settle(token, weights.request_weight(request_type))
                self._record(
                    sent_wall, request_type, "client_error", exc.status_code, latency, None
                )
                raise HyperliquidUnavailable(
                    f"{self.source} refused {request_type} (HTTP {exc.status_code}): "
                    f"{_one_line(exc.error_message)}"
                ) from None
            latency = (time.perf_counter() - sent) * 1000
            n_items = len(data) if isinstance(data, list) else 0
            self.budget.settle(token, weights.response_weight(request_type, n_items))
            skew = None
            if isinstance(data, dict) and isinstance(data.get("time"), int):
                skew = data["time"] - (sent_wall * 1000 + latency / 2)
            self._record(
                sent_wall, request_type, "ok", self._last_http_status or 200, latency, skew
            )
            return data
        assert last is not None  # the loop ran (max_attempts >= 1) and every attempt failed
        raise HyperliquidUnavailable(
            f"{self.source} {request_type} failed {self.retry.max_attempts} times; last: "
            f"{last.status} (HTTP {last.http_status}) {_one_line(last)}"
        )

    def _post_once(self, payload: dict, expect: type) -> Any:
        try:
            data = self.info.post("/info", payload)
        except ClientError as exc:
            if exc.status_code == 429:
                raise _Retryable(
                    "rate_limited", 429, _one_line(exc.error_message), _retry_after(exc)
                ) from None
            if exc.error_code is None and _looks_like_truncated_json(exc.error_message):
                raise _Retryable(
                    "bad_response",
                    exc.status_code,
                    f"unparseable JSON body: {_one_line(exc.error_message)}",
                ) from None
            raise
        except ServerError as exc:
            raise _Retryable("server_error", exc.status_code, _one_line(exc.message)) from None
        except requests.Timeout as exc:
            raise _Retryable("timeout", 0, f"no answer within {self.timeout_s:g} s") from exc
        except requests.ConnectionError as exc:
            if _is_refused(exc):
                raise _Refused("connection refused") from None
            raise _Retryable("connection_error", self._last_http_status, _one_line(exc)) from exc
        except requests.RequestException as exc:
            raise _Retryable("connection_error", self._last_http_status, _one_line(exc)) from exc
        if isinstance(data, dict) and str(data.get("error", "")).startswith("Could not parse JSON"):
            raise _Retryable("bad_response", self._last_http_status, _one_line(data["error"]))
        if not isinstance(data, expect):
            raise _Retryable(
                "bad_response",
                self._last_http_status,
                f"expected a JSON {expect.__name__}, got {type(data).__name__}",
            )
        return data

    def _record(
        self,
        sent_wall: float,
        request_type: str,
        status: str,
        http_status: int,
        latency_ms: float,
        skew: float | None,
    ) -> None:
        self.round_trips.append(
            RoundTrip(
                int(sent_wall * 1000), request_type, status, int(http_status), latency_ms, skew
            )
        )
        self.outcomes[status] += 1

    def paginate(
        self,
        make_payload: Callable[[int, int], dict],
        start_ms: int,
        end_ms: int,
        *,
        time_of: Callable[[dict], Any],
        key_of: Callable[[dict], Hashable],
    ) -> list[dict]:
        """Every record of a time-range request in [start_ms, end_ms), in the order received.

        The API returns at most a page of records from `startTime` on (endTime inclusive); the
        next page starts at the last timestamp seen, because more records may share it, and
        records already seen are dropped. A short page is the last one. Records whose time is
        unreadable are kept (validation quarantines them) but do not move the cursor.
        """
        request_type = make_payload(start_ms, end_ms - 1)["type"]
        limit = weights.PAGE_LIMITS[request_type]
        seen: set = set()
        out: list[dict] = []
        cursor = start_ms
        while cursor < end_ms:
            page = self.post(make_payload(cursor, end_ms - 1))
            new = 0
            last = None
            for record in page:
                key = _safe_key(key_of, record)
                if key in seen:
                    continue
                seen.add(key)
                out.append(record)
                new += 1
                t = _safe_time(time_of, record)
                if t is not None and (last is None or t > last):
                    last = t
            if len(page) < limit or last is None:
                break
            if last > cursor:
                cursor = last
            else:
                # A full page inside one millisecond: the rest of that millisecond is out of
                # reach of a time-range API. Move on, and say so in the run log.
                self.notes.append(
                    f"{request_type}: more than {limit} records at {cursor} ms; some may be missing"
                )
                cursor += 1
        return out

    # -- typed requests ----------------------------------------------------------------------

    def clearinghouse_state(self, user: str) -> dict:
        return self.post({"type": "clearinghouseState", "user": user}, expect=dict)

    def frontend_open_orders(self, user: str) -> list:
        return self.post({"type": "frontendOpenOrders", "user": user})

    def historical_orders(self, user: str) -> list:
        return self.post({"type": "historicalOrders", "user": user})

    def portfolio(self, user: str) -> list:
        """The exchange's account-value and PnL history per window (`portfolio`, weight 20).

        The SDK's `Info` has no helper for it, so the typed payload goes through `post` like the
        others: [[window, {accountValueHistory, pnlHistory, vlm}], ...]."""
        return self.post({"type": "portfolio", "user": user})

    def all_mids(self) -> dict:
        return self.post({"type": "allMids"}, expect=dict)

    def meta_and_asset_ctxs(self) -> list:
        return self.post({"type": "metaAndAssetCtxs"})

    def user_fills(self, user: str, start_ms: int, end_ms: int) -> list[dict]:
        """Fills with time in [start_ms, end_ms) (userFillsByTime, 2000 per page)."""
        return self.paginate(
            lambda s, e: {
                "type": "userFillsByTime",
                "user": user,
                "startTime": s,
                "endTime": e,
                "aggregateByTime": False,
            },
            start_ms,
            end_ms,
            time_of=lambda r: r["time"],
            key_of=lambda r: (r["time"], r["coin"], r["tid"]),
        )

    def user_funding(self, user: str, start_ms: int, end_ms: int) -> list[dict]:
        """Funding payments with time in [start_ms, end_ms) (userFunding, 500 per page)."""
        return self.paginate(
            lambda s, e: {"type": "userFunding", "user": user, "startTime": s, "endTime": e},
            start_ms,
            end_ms,
            time_of=lambda r: r["time"],
            key_of=lambda r: (r["time"], r["delta"]["coin"]),
        )

    def user_ledger(self, user: str, start_ms: int, end_ms: int) -> list[dict]:
        """Non-funding ledger updates with time in [start_ms, end_ms) (500 per page)."""
        return self.paginate(
            lambda s, e: {
                "type": "userNonFundingLedgerUpdates",
                "user": user,
                "startTime": s,
                "endTime": e,
            },
            start_ms,
            end_ms,
            time_of=lambda r: r["time"],
            key_of=lambda r: (r["time"], r["hash"], r["delta"]["type"]),
        )

    def candles(self, coin: str, interval: str, start_ms: int, end_ms: int) -> list[dict]:
        """Candles opening in [start_ms, end_ms) (candleSnapshot, 5000 per page)."""
        return self.paginate(
            lambda s, e: {
                "type": "candleSnapshot",
                "req": {"coin": coin, "interval": interval, "startTime": s, "endTime": e},
            },
            start_ms,
            end_ms,
            time_of=lambda r: r["t"],
            key_of=lambda r: r["t"],
        )

    def server_time(self, user: str | None = None) -> int:
        """The exchange's clock (clearinghouseState.time, the cheapest request that carries it)."""
        state = self.clearinghouse_state(user or ZERO_ADDRESS)
        value = state.get("time")
        if not isinstance(value, int):
            raise HyperliquidUnavailable(f"{self.source} clearinghouseState has no integer `time`")
        return value

    @property
    def weight_spent(self) -> int:
        return self.budget.spent


def _safe_key(key_of: Callable[[dict], Hashable], record: Any) -> Hashable:
    try:
        key = key_of(record)
        hash(key)
        return key
    except Exception:  # a malformed record: identical copies still collapse
        return json.dumps(record, sort_keys=True, default=str)


def _safe_time(time_of: Callable[[dict], Any], record: Any) -> int | None:
    try:
        value = time_of(record)
    except Exception:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
