"""Request weights of the /info API and a client-side budget that keeps us under the exchange's limit.

Hyperliquid allows 1200 weight per minute per IP (docs/hyperliquid.md). Going over costs a 429 and a pause
for every process on the machine, so we count weight before sending instead of discovering the
limit by hitting it:

- `request_weight` is what a request costs before its answer is known; `response_weight` adds the
  per-item surcharge of the list endpoints once the answer is in. A request is reserved at its
  worst case (a full page) and settled to the real figure afterwards, so even the surcharge can
  never take the window over the budget.
- `WeightBudget` is a token bucket like the exchange's: `per_minute` may be spent at once, then
  it refills at per_minute/61 per second (61 s rather than 60 s absorbs clock and network jitter
  between us and the server). A sliding-window log would be stricter but releases weight only in
  whole-window steps, making a long backfill up to ~1.5x slower than the limit allows.
- Parallel Airflow tasks share one IP, so the log can live in a lock-protected file that every
  process talking to the same API shares (`ledger_path`). A 429 pauses every sharer.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

EXCHANGE_LIMIT_PER_MINUTE = 1200
DEFAULT_WINDOW_S = 61.0
DEFAULT_WEIGHT = 20

# Official "rate limits" page: weight 2 for these, 60 for userRole, 20 for every other /info type.
BASE_WEIGHTS: dict[str, int] = {
    "l2Book": 2,
    "allMids": 2,
    "clearinghouseState": 2,
    "orderStatus": 2,
    "spotClearinghouseState": 2,
    "exchangeStatus": 2,
    "userRole": 60,
}

# One more weight unit per this many items returned.
ITEMS_PER_EXTRA_WEIGHT: dict[str, int] = {
    **dict.fromkeys(
        (
            "recentTrades",
            "historicalOrders",
            "userFills",
            "userFillsByTime",
            "fundingHistory",
            "userFunding",
            "nonUserFundingUpdates",
            "twapHistory",
            "userTwapSliceFills",
            "userTwapSliceFillsByTime",
            "delegatorHistory",
            "delegatorRewards",
            "validatorStats",
        ),
        20,
    ),
    "candleSnapshot": 60,
}

# Most items one response can hold: time-range requests return at most this many and must be
# paginated from the last timestamp (docs/hyperliquid.md).
PAGE_LIMITS: dict[str, int] = {
    "userFillsByTime": 2000,
    "userFills": 2000,
    "historicalOrders": 2000,
    "userFunding": 500,
    "userNonFundingLedgerUpdates": 500,
    "fundingHistory": 500,
    "candleSnapshot": 5000,
}


def request_weight(request_type: str) -> int:
    """Weight charged for sending a request of this type, before counting what it returns."""
    return BASE_WEIGHTS.get(request_type, DEFAULT_WEIGHT)


def response_weight(request_type: str, n_items: int) -> int:
    """Total weight of a request that returned `n_items` items (base + surcharge)."""
    per = ITEMS_PER_EXTRA_WEIGHT.get(request_type)
    return request_weight(request_type) + (n_items // per if per else 0)


def worst_case_weight(request_type: str) -> int:
    """The most a request of this type can cost: a full page of items."""
    return response_weight(request_type, PAGE_LIMITS.get(request_type, 0))


def minimum_seconds(total_weight: float, per_minute: float = EXCHANGE_LIMIT_PER_MINUTE) -> float:
    """Least wall time in which `total_weight` can be spent at `per_minute` (a full first minute
    is available at once, the rest trickles in at per_minute/60 per second)."""
    return max(0.0, (total_weight - per_minute) / (per_minute / 60.0))


class _MemoryLedger:
    """The budget's state for one process (tests, a single CLI run)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict = {"pause_until": 0.0}

    @contextmanager
    def transaction(self) -> Iterator[dict]:
        with self._lock:
            yield self._state


class _FileLedger:
    """The budget's state in a small JSON file, shared by every process that uses the same path.

    An exclusive flock on a sibling `.lock` file serialises read-modify-write; a transaction is
    a few hundred microseconds, negligible next to an HTTP round trip.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_path = self.path.with_suffix(self.path.suffix + ".lock")
        self._thread_lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[dict]:
        with self._thread_lock, open(self._lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                try:
                    state = json.loads(self.path.read_text() or "{}")
                except (FileNotFoundError, json.JSONDecodeError):
                    state = {}
                state.setdefault("pause_until", 0.0)
                yield state
                tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(json.dumps(state, separators=(",", ":")))
                os.replace(tmp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class WeightBudget:
    """Blocks before a request until the budget has room for it: a token bucket.

    The bucket holds at most `per_minute` weight and refills at `per_minute / window_s` per second
    (window 61 s rather than 60 s absorbs clock and network jitter), the way the exchange (and the
    simulator) count: a full minute's budget may be spent at once, then it trickles back. Over any
    interval of t seconds we therefore send at most per_minute + t * per_minute / window_s, which
    is also the least wall time a backfill can take (`minimum_seconds`): the budget never makes
    us slower than the limit requires, and never faster than it allows.

    `per_minute=0` means no client-side limit (a simulator with its rate limit off); weight is
    still counted so runs can report what they spent.
    """

    def __init__(
        self,
        per_minute: int = EXCHANGE_LIMIT_PER_MINUTE,
        *,
        window_s: float = DEFAULT_WINDOW_S,
        ledger_path: Path | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 0:
            raise ValueError("per_minute must be >= 0")
        self.per_minute = per_minute
        self.window_s = window_s
        self.rate_per_s = per_minute / window_s
        self._ledger = _FileLedger(ledger_path) if ledger_path else _MemoryLedger()
        self._clock = clock
        self._sleep = sleep
        self._reserved: dict[str, int] = {}
        self.spent = 0  # settled weight of this instance's requests
        self.waited_s = 0.0  # time this instance spent waiting for room

    def _refill(self, state: dict, now: float) -> None:
        level = state.get("level")
        updated = state.get("updated", now)
        if level is None:
            level = float(self.per_minute)
        level = min(float(self.per_minute), level + max(0.0, now - updated) * self.rate_per_s)
        state["level"], state["updated"] = level, now

    def acquire(self, weight: int) -> str:
        """Take `weight` now (waiting if needed); returns a token for `settle`."""
        token = uuid.uuid4().hex[:12]
        if self.per_minute == 0:
            return token
        weight = min(weight, self.per_minute)  # a request can never need more than a full bucket
        while True:
            with self._ledger.transaction() as state:
                now = self._clock()
                self._refill(state, now)
                wait = state["pause_until"] - now
                if wait <= 0:
                    if state["level"] >= weight:
                        state["level"] -= weight
                        self._reserved[token] = weight
                        return token
                    wait = (weight - state["level"]) / self.rate_per_s
            wait = max(wait, 0.001)
            self.waited_s += wait
            self._sleep(wait)

    def settle(self, token: str, weight: int) -> None:
        """Replace a reservation by the weight the request really cost (refund or surcharge)."""
        self.spent += weight
        reserved = self._reserved.pop(token, None)
        if self.per_minute == 0 or reserved is None or reserved == weight:
            return
        with self._ledger.transaction() as state:
            self._refill(state, self._clock())
            state["level"] = min(float(self.per_minute), state["level"] + reserved - weight)

    def pause(self, seconds: float) -> None:
        """Nobody sharing this budget sends anything for `seconds` (after a 429)."""
        if self.per_minute == 0 or seconds <= 0:
            return
        with self._ledger.transaction() as state:
            state["pause_until"] = max(state["pause_until"], self._clock() + seconds)

    def available(self) -> float:
        """Weight that could be sent right now (by any sharer of the ledger)."""
        if self.per_minute == 0:
            return float("inf")
        with self._ledger.transaction() as state:
            self._refill(state, self._clock())
            return state["level"]
