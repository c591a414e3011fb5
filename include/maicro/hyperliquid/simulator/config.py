"""What a simulated fund looks like: one dataclass, every knob with a documented default.

The whole model is a pure function of this config (and of nothing else, in particular not of the
clock or of the order in which clients ask), so the same config always yields the same exchange.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from .decimals import DAY_MS, HOUR_MS, MINUTE_MS, day_start

DEFAULT_COINS = ("BTC", "ETH", "SOL", "HYPE", "AVAX", "DOGE")
STRATEGY_KINDS = ("momentum", "carry")


@dataclass(frozen=True)
class FundModel:
    """How the simulated traders behave: every probability and range trader.py draws from.

    Ranges are (low, high) as passed to `randrange` (ints, high excluded) or `uniform` (floats).
    The defaults are the fund every test and benchmark knows; changing one changes the history
    (tests/unit/test_simulator_fingerprint.py says so).
    """

    # per account, drawn once: share of orders taking liquidity = base + spread * U(0, 1)
    taker_share_base: float = 0.35
    taker_share_spread: float = 0.3
    leverage_choices: tuple[int, ...] = (3, 5, 10)
    initial_deposit_thousands: tuple[int, int] = (250, 1500)  # USDC, when not configured
    # per rebalance period: the plan starts this long after the decision
    plan_lag_ms: tuple[int, int] = (MINUTE_MS, 10 * MINUTE_MS)
    fills_per_order: float = 1.6  # orders per coin = its share of the period's fills / this
    # takers (IOC limit or market orders)
    market_order_share: float = 0.3
    taker_limit_offset: float = 0.01  # IOC limit this fraction through the mark
    taker_full_fill: float = 0.93  # otherwise a partial fill, then canceled
    taker_partial_range: tuple[float, float] = (0.3, 0.9)  # filled share of a partial
    taker_extra_fills: tuple[float, ...] = (0.35, 0.12)  # chance of a 2nd, a 3rd fill
    taker_fill_delay_ms: tuple[int, int] = (1, 300)  # between placement and each fill
    slippage_bp_sigma: float = 2.0  # |N(0, sigma)| + min, in bp, always against the taker
    slippage_bp_min: float = 0.3
    # makers (GTC / ALO at or inside the mid)
    maker_inside_bp: tuple[float, float] = (0.0, 5.0)
    alo_share: float = 0.3
    maker_full_fill: float = 0.75
    maker_any_fill: float = 0.9  # full (1 lot) or partial up to here; else canceled unfilled
    maker_partial_range: tuple[float, float] = (0.2, 0.9)
    maker_extra_fills: tuple[float, ...] = (0.4, 0.15)
    maker_fill_delay_ms: tuple[int, int] = (2000, 20 * MINUTE_MS)
    maker_cancel_delay_ms: tuple[int, int] = (1000, 45 * MINUTE_MS)
    alo_reject_share: float = 0.5  # of unfilled ALO orders: rejected on arrival instead
    # fees
    builder_share: float = 0.15  # orders carrying a builder fee
    maker_rebate_share: float = 0.3  # maker fills paid a rebate instead of the maker fee
    # liquidations (with SimConfig.liquidations): chance per account-day
    liquidation_day_share: float = 0.25
    # ledger (with SimConfig.ledger_activity); amounts in hundreds of USDC
    ledger_margin_ms: int = 30 * MINUTE_MS  # events keep this far from the day's edges
    deposit_share: float = 0.3
    deposit_hundreds: tuple[int, int] = (50, 500)
    withdraw_share: float = 0.25
    withdraw_hundreds: tuple[int, int] = (20, 200)
    transfer_hundreds: tuple[int, int] = (10, 100)  # internal transfer, every 3rd day
    class_transfer_hundreds: tuple[int, int] = (5, 50)  # spot <-> perp, every 3rd day
    to_perp_share: float = 0.5


@dataclass
class SimConfig:
    """Knobs of the simulated fund and exchange.

    Times are ms since epoch (UTC). `start_ms`/`now_ms` left at None are resolved once, at
    `resolved()`: now = the wall clock floored to the minute, start = UTC midnight `days` days
    before now's midnight (so the history is made of whole UTC days plus today's part).
    """

    seed: int = 42
    n_accounts: int = 2
    coins: tuple[str, ...] = DEFAULT_COINS
    start_ms: int | None = None
    days: float = 7.0
    now_ms: int | None = None
    speed: float = 0.0  # 0 = frozen clock, 1 = real time, >1 = accelerated
    tick_ms: int = 15_000  # price tick grid; must divide one minute
    rebalance_hours: float = 4.0  # strategy decision cadence; must divide 24 h
    fills_per_day: float = 150.0  # approximate fills per account per day (trade rate)
    initial_deposit: float | None = None  # USDC per account; None = seeded 250k..1.5M
    ledger_activity: bool = True  # later deposits, withdrawals, internal transfers
    liquidations: bool = False  # occasionally liquidate a position (fills with `liquidation`)
    rate_limit: bool = True
    horizons: bool = True  # only the 10,000 most recent fills / 5,000 candles reachable
    cache_days: int = 400  # days per account kept with full records (older: regenerated on demand;
    # ~1.6 MB per account-day at 800 fills/day, so lower it for multi-year runs)
    rate_limit_per_min: int = 1200
    faults: dict = field(default_factory=dict)  # initial fault switches, see faults.py
    fund: FundModel = field(default_factory=FundModel)  # the traders' behaviour

    def resolved(self) -> SimConfig:
        """A copy with start/now filled in and values checked."""
        now = self.now_ms
        if now is None:
            now = int(time.time() * 1000) // MINUTE_MS * MINUTE_MS
        start = self.start_ms
        if start is None:
            start = day_start(now) - int(self.days * DAY_MS)
        if start > now:
            raise ValueError("start_ms must not be after now_ms")
        if self.n_accounts < 1:
            raise ValueError("n_accounts (--accounts) must be >= 1")
        if len(self.coins) < 1 or len(set(self.coins)) != len(self.coins):
            raise ValueError("coins must be distinct and non-empty")
        if self.tick_ms <= 0 or MINUTE_MS % self.tick_ms:
            raise ValueError("tick_ms must divide 60000")
        interval = int(self.rebalance_hours * HOUR_MS)
        if interval <= 0 or DAY_MS % interval or interval % MINUTE_MS:
            raise ValueError("rebalance_hours must divide 24 hours (e.g. 1, 2, 4, 6, 12, 24)")
        if self.fills_per_day <= 0:
            raise ValueError("fills_per_day must be > 0")
        out = SimConfig(**{**self.__dict__})
        out.now_ms, out.start_ms = int(now), int(start)
        out.coins = tuple(self.coins)
        out.faults = dict(self.faults)
        return out

    @property
    def rebalance_ms(self) -> int:
        return int(self.rebalance_hours * HOUR_MS)


def account_address(seed: int, index: int) -> str:
    """Deterministic lower-case 0x + 40 hex address of the index-th simulated account."""
    digest = hashlib.sha256(f"maicro-sim-account:{seed}:{index}".encode()).hexdigest()
    return "0x" + digest[:40]


def strategy_name(index: int) -> str:
    """momentum_a, carry_b, momentum_c, carry_d, ... (kind alternates, letter = position)."""
    kind = STRATEGY_KINDS[index % len(STRATEGY_KINDS)]
    letters = ""
    n = index
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n = n // 26 - 1
        if n < 0:
            break
    return f"{kind}_{letters}"
