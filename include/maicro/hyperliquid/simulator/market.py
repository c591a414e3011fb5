"""The market: seeded price paths on a tick grid, hourly funding rates, candles built from ticks.

Model (documented because later stages test against it):
- Each coin has a geometric random walk (with rare jumps) sampled every `tick_ms` (default 15 s),
  starting at UTC midnight of the history start ("origin"). Tick prices are rounded the way
  Hyperliquid rounds prices (<= 5 significant figures, <= 6 - szDecimals decimals) and kept as
  ints in 1e-6 units.
- mark = mid = oracle = the last tick at or before t. Keeping them equal makes uPnL, funding and
  slippage unambiguous for the tests of later stages.
- A candle of any interval covers [t, t + interval); o = first tick, c = last tick (<= now), h/l =
  max/min of its ticks, v/n = market-wide volume and trade count drawn per tick. Hence the close
  of minute m equals the mark at the end of minute m, and a day's last 1m close is the day's
  end-of-day mark.
- Funding: one hourly rate per coin (AR(1) around a coin-specific mean, both signs occur),
  in units of 1e-8, applied at HH:00 to the position held just before HH:00.
Each UTC day is generated from its own seeded RNG, continuing from the previous day's state, so
the path does not depend on how far ahead anything was generated.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .decimals import (
    DAY_MS,
    HOUR_MS,
    MICRO,
    MINUTE_MS,
    fmt_scaled,
    px_to_px6,
    round_px,
    round_px_array,
)

INTERVALS = {
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "2h": 2 * HOUR_MS,
    "4h": 4 * HOUR_MS,
    "8h": 8 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1d": DAY_MS,
}
MAX_CANDLES = 5000  # Hyperliquid serves only the most recent 5000 candles of an interval


@dataclass(frozen=True)
class CoinSpec:
    name: str
    sz_decimals: int
    max_leverage: int
    start_px: float
    annual_vol: float
    funding_mean_e8: int  # mean hourly funding rate, units of 1e-8
    tick_volume: float  # mean market-wide base volume per 15 s tick


_KNOWN = {
    "BTC": CoinSpec("BTC", 5, 40, 95000.0, 0.55, 1000, 3.6),
    "ETH": CoinSpec("ETH", 4, 25, 3300.0, 0.70, 1100, 60.0),
    "SOL": CoinSpec("SOL", 2, 20, 180.0, 0.85, 1250, 500.0),
    "HYPE": CoinSpec("HYPE", 2, 10, 25.0, 1.00, 1500, 2000.0),
    "AVAX": CoinSpec("AVAX", 2, 10, 35.0, 0.90, 800, 300.0),
    "DOGE": CoinSpec("DOGE", 0, 10, 0.32, 0.95, 900, 100000.0),
    "LINK": CoinSpec("LINK", 1, 10, 20.0, 0.85, 1000, 400.0),
    "XRP": CoinSpec("XRP", 0, 20, 2.3, 0.80, 900, 20000.0),
    "SUI": CoinSpec("SUI", 1, 10, 3.5, 1.00, 1200, 5000.0),
    "ARB": CoinSpec("ARB", 1, 10, 0.8, 0.95, 900, 20000.0),
}


def name_key(name: str) -> int:
    """A stable 32-bit key per coin name, so adding a coin never changes another coin's path."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def coin_spec(name: str) -> CoinSpec:
    """The spec of a well-known coin, or a plausible one derived from the name."""
    if name in _KNOWN:
        return _KNOWN[name]
    k = name_key(name)
    return CoinSpec(name, 1, 10, 10.0 * 2 ** (k % 7 - 3), 0.9, 900 + k % 600, 1000.0)


class _Grow:
    """An int64/float64 numpy array that grows by appending chunks (amortised doubling)."""

    def __init__(self, dtype):
        self._buf = np.empty(1024, dtype=dtype)
        self.n = 0

    def extend(self, chunk: np.ndarray) -> None:
        need = self.n + len(chunk)
        if need > len(self._buf):
            cap = max(need, 2 * len(self._buf))
            buf = np.empty(cap, dtype=self._buf.dtype)
            buf[: self.n] = self._buf[: self.n]
            self._buf = buf
        self._buf[self.n : need] = chunk
        self.n = need

    @property
    def view(self) -> np.ndarray:
        return self._buf[: self.n]


class Market:
    def __init__(self, coins: tuple[str, ...], origin_ms: int, seed: int, tick_ms: int):
        if origin_ms % DAY_MS:
            raise ValueError("market origin must be a UTC midnight")
        self.specs = [coin_spec(c) for c in coins]
        self.names = [s.name for s in self.specs]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.origin = origin_ms
        self.seed = seed
        self.tick_ms = tick_ms
        self.ticks_per_day = DAY_MS // tick_ms
        self.days = 0
        self._ticks = [_Grow(np.int64) for _ in self.specs]
        self._rates = [_Grow(np.int64) for _ in self.specs]
        self._keys = [name_key(s.name) for s in self.specs]
        self._last_log = []
        self._ar = [0.0] * len(self.specs)
        for i, spec in enumerate(self.specs):
            rng = np.random.default_rng([seed, 1, self._keys[i]])
            self._last_log.append(math.log(spec.start_px) + 0.1 * float(rng.standard_normal()))
            self._ar[i] = float(rng.normal(0, 800))
        self._vol_cache: OrderedDict = OrderedDict()

    # ---- generation -------------------------------------------------------------------------
    def ensure(self, t_ms: int) -> None:
        """Generate whole days until the day containing t_ms exists."""
        want = (t_ms - self.origin) // DAY_MS + 1
        while self.days < want:
            self._generate_day(self.days)
            self.days += 1

    def _generate_day(self, d: int) -> None:
        n = self.ticks_per_day
        for i, spec in enumerate(self.specs):
            rng = np.random.default_rng([self.seed, 11, self._keys[i], d])
            sigma = spec.annual_vol * math.sqrt(self.tick_ms / (365 * DAY_MS))
            steps = rng.standard_normal(n) * sigma
            jumps = rng.random(n) < 1.0 / (2 * n)
            steps[jumps] += rng.standard_normal(int(jumps.sum())) * sigma * 25
            if d == 0:
                steps[0] = 0.0  # the first tick is the start price itself
            path = self._last_log[i] + np.cumsum(steps)
            self._last_log[i] = float(path[-1])
            px = round_px_array(np.exp(path), spec.sz_decimals)
            self._ticks[i].extend(np.rint(px * MICRO).astype(np.int64))
            # hourly funding, AR(1) around the coin's mean
            rrng = np.random.default_rng([self.seed, 13, self._keys[i], d])
            eps = rrng.standard_normal(24) * 590.0
            rates = np.empty(24, dtype=np.int64)
            x = self._ar[i]
            for k in range(24):
                x = 0.92 * x + eps[k]
                rates[k] = int(round(spec.funding_mean_e8 + x))
            self._ar[i] = x
            self._rates[i].extend(rates)

    # ---- lookups ------------------------------------------------------------------------------
    def tick_index(self, t_ms: int) -> int:
        return max(0, (t_ms - self.origin) // self.tick_ms)

    def px6(self, ci: int, t_ms: int) -> int:
        """Mark (= mid = oracle) at t in 1e-6 units: the last tick at or before t."""
        self.ensure(t_ms)
        return int(self._ticks[ci].view[self.tick_index(t_ms)])

    def px6_generated(self, ci: int, t_ms: int) -> int:
        """`px6` for a time whose day is already generated (the trader's hot path)."""
        return int(self._ticks[ci].view[(t_ms - self.origin) // self.tick_ms])

    def mark(self, ci: int, t_ms: int) -> float:
        return self.px6(ci, t_ms) / MICRO

    def ticks(self, ci: int) -> np.ndarray:
        return self._ticks[ci].view

    def rate_e8(self, ci: int, hour_ms: int) -> int:
        """Funding rate settled at the hour `hour_ms` (a multiple of one hour), 1e-8 units."""
        self.ensure(hour_ms)
        return int(self._rates[ci].view[max(0, (hour_ms - self.origin) // HOUR_MS)])

    def rates_e8(self, ci: int) -> np.ndarray:
        return self._rates[ci].view

    def round_px6(self, ci: int, px: float) -> int:
        return px_to_px6(round_px(px, self.specs[ci].sz_decimals))

    # ---- volume (drawn on demand, cached) --------------------------------------------------------
    def _day_volume(self, ci: int, d: int) -> tuple[np.ndarray, np.ndarray]:
        key = (ci, d)
        hit = self._vol_cache.get(key)
        if hit is not None:
            self._vol_cache.move_to_end(key)
            return hit
        spec = self.specs[ci]
        rng = np.random.default_rng([self.seed, 17, self._keys[ci], d])
        scale = spec.tick_volume * self.tick_ms / 15_000
        vol = rng.gamma(0.8, scale / 0.8, self.ticks_per_day)
        trades = 1 + rng.poisson(4.0 * vol / scale)
        self._vol_cache[key] = (vol, trades)
        if len(self._vol_cache) > 64:
            self._vol_cache.popitem(last=False)
        return vol, trades

    def _volume_range(self, ci: int, i0: int, i1: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-tick volume and trade counts for tick indices [i0, i1)."""
        if i1 <= i0:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        d0, d1 = i0 // self.ticks_per_day, (i1 - 1) // self.ticks_per_day
        if d1 - d0 > 40:  # long ranges (1d candles over months): aggregate per day cheaply
            vols, trades = [], []
            for d in range(d0, d1 + 1):
                v, n = self._day_volume_uncached(ci, d)
                vols.append(v)
                trades.append(n)
        else:
            parts = [self._day_volume(ci, d) for d in range(d0, d1 + 1)]
            vols, trades = [p[0] for p in parts], [p[1] for p in parts]
        off = d0 * self.ticks_per_day
        v = np.concatenate(vols)[i0 - off : i1 - off]
        n = np.concatenate(trades)[i0 - off : i1 - off]
        return v, n

    def _day_volume_uncached(self, ci: int, d: int):
        hit = self._vol_cache.get((ci, d))
        if hit is not None:
            return hit
        spec = self.specs[ci]
        rng = np.random.default_rng([self.seed, 17, self._keys[ci], d])
        scale = spec.tick_volume * self.tick_ms / 15_000
        vol = rng.gamma(0.8, scale / 0.8, self.ticks_per_day)
        trades = 1 + rng.poisson(4.0 * vol / scale)
        return vol, trades

    # ---- candles --------------------------------------------------------------------------------
    def candles(
        self, ci: int, interval: str, start_ms: int, end_ms: int, now_ms: int, horizon: bool = True
    ) -> list[dict]:
        """Candles with open time in [start, end], open time <= now, at most 5000 of them from
        start on; with `horizon`, only among the most recent 5000 of the interval (as the API)."""
        iv = INTERVALS[interval]
        if now_ms < self.origin:
            return []
        self.ensure(now_ms)
        k_now = now_ms // iv
        k_lo = max(-(-start_ms // iv), -(-self.origin // iv))
        if horizon:
            k_lo = max(k_lo, k_now - (MAX_CANDLES - 1))
        k_hi = min(end_ms // iv, k_now, k_lo + MAX_CANDLES - 1)
        if k_hi < k_lo:
            return []
        ks = np.arange(k_lo, k_hi + 1, dtype=np.int64)
        i_now = self.tick_index(now_ms)
        starts = (ks * iv - self.origin) // self.tick_ms
        ends = np.minimum(((ks + 1) * iv - self.origin) // self.tick_ms, i_now + 1)
        s0, e1 = int(starts[0]), int(ends[-1])
        ticks = self._ticks[ci].view[s0:e1]
        rel = starts - s0
        opens = ticks[rel]
        closes = ticks[ends - 1 - s0]
        highs = np.maximum.reduceat(ticks, rel)
        lows = np.minimum.reduceat(ticks, rel)
        vol, trades = self._volume_range(ci, s0, e1)
        vsum = np.add.reduceat(vol, rel)
        nsum = np.add.reduceat(trades, rel)
        spec = self.specs[ci]
        scale = 10**spec.sz_decimals
        name = spec.name
        out = []
        for j, k in enumerate(ks.tolist()):
            t = k * iv
            out.append(
                {
                    "t": t,
                    "T": t + iv - 1,
                    "s": name,
                    "i": interval,
                    "o": fmt_scaled(int(opens[j]), 6),
                    "c": fmt_scaled(int(closes[j]), 6),
                    "h": fmt_scaled(int(highs[j]), 6),
                    "l": fmt_scaled(int(lows[j]), 6),
                    "v": fmt_scaled(int(round(float(vsum[j]) * scale)), spec.sz_decimals),
                    "n": int(nsum[j]),
                }
            )
        return out

    # ---- asset contexts ----------------------------------------------------------------------
    def day_stats(self, ci: int, now_ms: int) -> tuple[int, float, float]:
        """(prevDayPx6, day base volume, day notional volume) over the 24 h before now."""
        i_now = self.tick_index(now_ms)
        i0 = max(0, self.tick_index(now_ms - DAY_MS))
        ticks = self._ticks[ci].view[i0 : i_now + 1]
        vol, _ = self._volume_range(ci, i0, i_now + 1)
        base = float(vol.sum())
        ntl = float((vol * ticks / MICRO).sum())
        return int(self._ticks[ci].view[i0]), base, ntl
