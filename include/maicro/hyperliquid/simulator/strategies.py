"""Strategies: signed target weights over the coin universe, decided on a fixed schedule.

Two kinds, alternating over accounts (momentum_a, carry_b, momentum_c, ...):
- momentum: score = trailing 24 h return / coin vol (+ noise): long winners, short losers;
- carry: score = -(trailing 24 h mean funding rate) (+ noise): short what pays funding, long what
  receives it.
At each decision (every `rebalance_hours`, aligned to UTC) the strategy keeps the k (3..5) coins
with the largest |score| (members get a small bonus, so the set changes but not every time), signs
the weights by the score (at least one long and one short when k >= 2), and scales them to a gross
exposure drawn in [0.8, 1.45]. Weights are rounded to 4 decimals; the trader uses the published
(rounded) weights. Published rows: every coin with a non-zero weight plus an explicit 0 for each
coin that just left the set, so an as-of join never keeps a stale weight.
"""

from __future__ import annotations

import math
import random

from .decimals import DAY_MS, HOUR_MS
from .market import Market


class Strategy:
    def __init__(self, name: str, kind: str, index: int, seed: int):
        self.name = name
        self.kind = kind
        self.index = index
        self.seed = seed
        self.current: dict[int, float] = {}
        # (decision ts, {coin index: weight}) including the explicit zeros of exits
        self.history: list[tuple[int, dict[int, float]]] = []

    def decide(self, period: int, t0: int, market: Market) -> dict[int, float]:
        """Decide the target weights at t0 (only market data at or before t0 is used)."""
        rng = random.Random(f"{self.seed}:strategy:{self.index}:{period}")
        n = len(market.specs)
        scores = []
        for ci, spec in enumerate(market.specs):
            if self.kind == "momentum":
                now_px = market.px6(ci, t0)
                then_px = market.px6(ci, max(market.origin, t0 - DAY_MS))
                z = math.log(now_px / then_px) / (spec.annual_vol / math.sqrt(365))
            else:
                rates = market.rates_e8(ci)
                hi = (t0 - market.origin) // HOUR_MS + 1  # settled hours at or before t0
                window = rates[max(0, hi - 24) : hi]
                mean = float(window.mean()) if len(window) else float(spec.funding_mean_e8)
                z = -mean / 1500.0
            scores.append(z + rng.gauss(0.0, 0.5))
        k = n if n < 3 else rng.randint(3, min(5, n))
        ranked = sorted(
            range(n), key=lambda c: -(abs(scores[c]) + (0.3 if c in self.current else 0))
        )
        chosen = ranked[:k]
        signs = {c: (1 if scores[c] >= 0 else -1) for c in chosen}
        if k >= 2 and len(set(signs.values())) == 1:
            weakest = min(chosen, key=lambda c: abs(scores[c]))
            signs[weakest] = -signs[weakest]
        raw = {c: signs[c] * (abs(scores[c]) + 0.2) for c in chosen}
        gross = rng.uniform(0.8, 1.45)
        total = sum(abs(v) for v in raw.values())
        weights = {c: round(v / total * gross, 4) for c, v in raw.items()}
        weights = {c: w for c, w in weights.items() if w != 0}
        published = dict(weights)
        for c in self.current:
            if c not in weights:
                published[c] = 0.0
        self.history.append((t0, published))
        self.current = weights
        return weights
