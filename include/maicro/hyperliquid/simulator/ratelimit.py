"""Per-client-IP request weight budget, like Hyperliquid's 1200 weight per minute.

Model: a token bucket per IP with capacity = budget (1200) refilled continuously at budget/60 per
second of *wall* time (rate limits protect the server, so simulated time does not matter). A
request is admitted if the bucket holds at least its base weight; the base weight is taken on
admission and the item-dependent extra weight (e.g. +1 per 20 fills returned) once the response
is known, which may drive the bucket negative and delay the next admissions, as on the exchange.
Refused requests get HTTP 429 with a plain-text body.

Weights (docs/hyperliquid.md): 2 for allMids, clearinghouseState, orderStatus, spotClearinghouseState,
l2Book; 20 for everything else; extra +1 per 20 items for userFills, userFillsByTime, userFunding,
userNonFundingLedgerUpdates, historicalOrders; candleSnapshot +1 per 60 candles.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

LIGHT = frozenset(
    {"allMids", "clearinghouseState", "orderStatus", "spotClearinghouseState", "l2Book"}
)
PER_20 = frozenset(
    {
        "userFills",
        "userFillsByTime",
        "userFunding",
        "userNonFundingLedgerUpdates",
        "historicalOrders",
    }
)


def base_weight(request_type: str | None) -> int:
    return 2 if request_type in LIGHT else 20


def extra_weight(request_type: str | None, n_items: int) -> int:
    if request_type in PER_20:
        return n_items // 20
    if request_type == "candleSnapshot":
        return n_items // 60
    return 0


class RateLimiter:
    def __init__(
        self,
        per_minute: int = 1200,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_minute = per_minute
        self.enabled = enabled
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # ip -> (tokens, last refill time)
        # Every weight charged, limited or not: what a client's requests cost (benchmarks, tests).
        self.spent = 0

    def _refill(self, ip: str) -> float:
        now = self._clock()
        tokens, last = self._buckets.get(ip, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)
        self._buckets[ip] = (tokens, now)
        return tokens

    def try_acquire(self, ip: str, weight: int) -> bool:
        """Admit and charge `weight`, or refuse (caller answers 429). Always admits when disabled."""
        self.spent += weight
        if not self.enabled:
            return True
        with self._lock:
            tokens = self._refill(ip)
            if tokens < weight:
                return False
            self._buckets[ip] = (tokens - weight, self._buckets[ip][1])
            return True

    def charge(self, ip: str, weight: int) -> None:
        """Charge extra weight after the fact (may go negative)."""
        self.spent += max(0, weight)
        if not self.enabled or weight <= 0:
            return
        with self._lock:
            tokens = self._refill(ip)
            self._buckets[ip] = (tokens - weight, self._buckets[ip][1])

    def remaining(self, ip: str) -> float:
        with self._lock:
            return self._refill(ip)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
