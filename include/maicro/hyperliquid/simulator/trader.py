"""One simulated account, day by day: a trader chasing its strategy's targets, and the books.

Why a day at a time: a day is generated from the snapshot of the account at its start (positions,
entries, cash, cumulative funding, id counters) and a seeded RNG of its own, so any day can be
regenerated identically on demand (the simulator keeps only recent days in memory) and the history
does not depend on what clients asked first.

The trader (per rebalance period of the strategy, e.g. every 4 h from UTC midnight):
- plans `lag` (1-10 min) after the decision, sizing targets on the account value at that instant:
  target lots = weight * accountValue / mark;
- splits each coin's delta into child orders spread over the first half of the period: takers
  (IOC limit or market, `crossed`, filled in 1-3 fills at mark +- slippage, sometimes only partly)
  and makers (GTC/ALO at or inside the mid, filled at their limit price in 1-3 fills minutes later,
  sometimes partly filled then canceled, canceled unfilled, or resting for a while);
- every order ends (filled or canceled) before the period ends, so days are self-contained.
Fees are integers in micro-USD: taker 4.5 bp, maker 1.5 bp or a -0.2 bp rebate, plus a 1 bp
builder fee on some orders (also reported as `builderFee`, already included in `fee`).
Funding is settled at every HH:00 on the position held just before (no fill ever lands on HH:00):
usdc = -szi * mark(HH:00) * rate, rounded to micro-USD (> 0 = received).
Ledger: an initial deposit, then (with `ledger_activity`) deposits, withdrawals, internal transfers
between the simulated accounts and accountClassTransfers, all pure functions of (seed, day), so
the sending and the receiving account agree without depending on each other's state.

Invariant kept exactly in integers: accountValue = cash + sum(uPnL), where cash = net flows +
sum(closedPnl) - sum(fee) + sum(funding usdc) over everything served.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .book import apply_fill
from .config import FundModel
from .decimals import (
    DAY_MS,
    HOUR_MS,
    MICRO,
    MINUTE_MS,
    fmt_micro,
    fmt_scaled,
    round_div,
    round_half_away,
    upnl_micro,
)
from .market import Market

TAKER_FEE_E6 = 450  # 4.5 bp of notional, in 1e-6 of notional
MAKER_FEE_E6 = 150  # 1.5 bp
MAKER_REBATE_E6 = -20  # -0.2 bp (a rebate: negative fee)
BUILDER_FEE_E6 = 100  # 1 bp to a front-end builder, included in `fee`
LIQUIDATION_FEE_E6 = 5000  # 0.5 % on liquidation fills
MIN_ORDER_MICRO = 10 * MICRO  # the exchange's $10 minimum order value
ZERO_HASH = "0x" + "0" * 64  # funding payments carry no transaction hash on Hyperliquid
OID_BASE = 40_000_000_000
TID_BASE = 500_000_000_000_000
ID_STRIDE = 1_000_000_000  # per-account id block (ids stay unique across accounts)
EXTERNAL_ADDRESS = "0x" + "e" * 40

# event priorities when times tie: money movements before fills, fills in creation order
_LEDGER, _FUNDING, _PLAN, _FILL = 0, 1, 2, 3


@dataclass
class Snapshot:
    """Everything a day's generation needs from the past (copied, never shared)."""

    lots: list[int]
    entry: list[float]
    cash: int  # micro-USD: flows + closedPnl - fees + funding
    cum_all: list[int]  # funding *paid* per coin (positive = paid), micro-USD
    cum_open: list[int]
    cum_change: list[int]
    next_oid: int
    next_tid: int

    def copy(self) -> Snapshot:
        return replace(
            self,
            lots=list(self.lots),
            entry=list(self.entry),
            cum_all=list(self.cum_all),
            cum_open=list(self.cum_open),
            cum_change=list(self.cum_change),
        )


@dataclass
class Order:
    """A child order; its status at any instant follows from its fills and end time."""

    oid: int
    coin: str
    side: str  # B or A
    limit_px6: int
    orig_lots: int
    sz_decimals: int
    timestamp: int
    order_type: str  # Limit | Market
    tif: str  # Gtc | Alo | Ioc | FrontendMarket
    reduce_only: bool
    fills: list[tuple[int, int]] = field(default_factory=list)  # (time, lots)
    end_time: int = 0  # time of the last fill (filled) or of the cancel
    end_status: str = "filled"  # filled | canceled | badAloPxRejected
    hash: str = ""  # the transaction hash its fills carry

    def status_at(self, t: int) -> tuple[str, int, int] | None:
        """(status, statusTimestamp, remaining lots) as of t; None if not yet placed."""
        if t < self.timestamp:
            return None
        filled = sum(q for ft, q in self.fills if ft <= t)
        if t >= self.end_time:
            return self.end_status, self.end_time, self.orig_lots - filled
        return "open", self.timestamp, self.orig_lots - filled


@dataclass(frozen=True, slots=True)
class StateRecord:
    """The books after one event that changed them (`coin` -1: only the cash changed)."""

    time: int
    coin: int
    lots: int
    entry: float
    cash: int
    cum_all: int
    cum_open: int
    cum_change: int


# The events of a day, processed in (time, priority, creation) order.
@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """A deposit, withdrawal or transfer moving this account's cash."""

    plan: LedgerPlan


@dataclass(frozen=True, slots=True)
class FundingEvent:
    """The hourly funding settlement (HH:00)."""


@dataclass(frozen=True, slots=True)
class LedgerNote:
    """An informational ledger record (a liquidation): moves no money."""

    record: dict


@dataclass(frozen=True, slots=True)
class PlanEvent:
    """A rebalance decision taken at `period_start`, acted on at the event's time."""

    period_start: int
    liquidate: bool


@dataclass(frozen=True, slots=True)
class FillEvent:
    """One fill of `order`: `signed_lots` > 0 buys."""

    coin: int
    signed_lots: int
    px6: int
    order: Order
    crossed: bool  # taker
    fee_e6: int
    builder: bool
    liquidation: dict | None


Event = LedgerEvent | FundingEvent | LedgerNote | PlanEvent | FillEvent
Push = Callable[[int, int, Event], None]


@dataclass
class CoinDay:
    realized: int = 0  # micro-USD
    fees: int = 0
    funding: int = 0
    volume: int = 0  # sum |lots| * px6, units of 10**-(6 + szDecimals) USD
    n_fills: int = 0


@dataclass
class DayData:
    day: int
    start: Snapshot
    end: Snapshot
    fills: list[dict]
    funding: list[dict]
    ledger: list[dict]
    orders: list[Order]
    log: list[StateRecord]
    coins: dict[int, CoinDay]
    deposits: int = 0  # micro-USD inflows (deposit, incoming transfers, toPerp class transfers)
    withdrawals: int = 0  # micro-USD outflows


def _hash(*parts) -> str:
    return "0x" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _split(total: int, n: int, rng: random.Random) -> list[int]:
    """Split a positive int into n positive ints (n <= total) with random proportions."""
    n = max(1, min(n, total))
    weights = [0.5 + rng.random() for _ in range(n)]
    s = sum(weights)
    parts = [max(1, int(total * w / s)) for w in weights]
    diff = total - sum(parts)
    i = 0
    while diff != 0:
        j = i % n
        if diff > 0:
            parts[j] += 1
            diff -= 1
        elif parts[j] > 1:
            parts[j] -= 1
            diff += 1
        i += 1
    return parts


def _avoid_hour(t: int) -> int:
    """Fills and ledger events never land exactly on HH:00:00.000 (funding settles there)."""
    return t + 1 if t % HOUR_MS == 0 else t


@dataclass(frozen=True)
class LedgerPlan:
    """A money movement fixed in advance: the same for sender and receiver."""

    time: int
    kind: str  # deposit | withdraw | internalTransfer | accountClassTransfer
    usdc: int  # micro-USD, > 0
    source: int  # account index (-1 = outside)
    target: int  # account index (-1 = outside)
    fee: int = 0
    to_perp: bool = True
    nonce: int = 0


def ledger_plans(
    seed: int,
    n_accounts: int,
    account: int,
    day: int,
    day0: int,
    initial: int,
    activity: bool,
    fund: FundModel,
) -> list[LedgerPlan]:
    """The ledger events sent *by* account `account` on day index `day` (deposits are 'sent' by the
    outside world to the account, so they appear here too)."""
    out = []
    if day == 0:
        out.append(LedgerPlan(day0 + 1000 + account, "deposit", initial, -1, account))
    if not activity or day == 0:
        return out
    rng = random.Random(f"{seed}:ledger:{account}:{day}")
    base = day0 + day * DAY_MS

    def at() -> int:
        margin = fund.ledger_margin_ms
        return _avoid_hour(base + rng.randrange(margin, DAY_MS - margin))

    if rng.random() < fund.deposit_share:
        when = at()  # drawn before the amount, as the history has always been generated
        amount = rng.randrange(*fund.deposit_hundreds) * 100 * MICRO
        out.append(LedgerPlan(when, "deposit", amount, -1, account))
    if rng.random() < fund.withdraw_share:
        out.append(
            LedgerPlan(
                at(),
                "withdraw",
                rng.randrange(*fund.withdraw_hundreds) * 100 * MICRO,
                account,
                -1,
                fee=MICRO,
                nonce=base + rng.randrange(DAY_MS),
            )
        )
    if day % 3 == 1:
        dest = (account + 1) % n_accounts if n_accounts > 1 else -1
        out.append(
            LedgerPlan(
                at(),
                "internalTransfer",
                rng.randrange(*fund.transfer_hundreds) * 100 * MICRO,
                account,
                dest,
            )
        )
    if day % 3 == 2:
        to_perp = rng.random() < fund.to_perp_share
        amount = rng.randrange(*fund.class_transfer_hundreds) * 100 * MICRO
        out.append(
            LedgerPlan(
                at(),
                "accountClassTransfer",
                amount,
                -1 if to_perp else account,
                account if to_perp else -1,
                to_perp=to_perp,
            )
        )
    return out


class AccountModel:
    """Generates the days of one account; pure given (config, market, targets)."""

    def __init__(
        self,
        index: int,
        address: str,
        addresses: list[str],
        market: Market,
        seed: int,
        origin: int,
        fills_per_day: float,
        rebalance_ms: int,
        initial_micro: int,
        ledger_activity: bool,
        liquidations: bool,
        targets: Callable[[int], dict[int, float]],
        fund: FundModel,
    ):
        self.index = index
        self.address = address
        self.addresses = addresses
        self.market = market
        self.seed = seed
        self.origin = origin
        self.fills_per_day = fills_per_day
        self.rebalance_ms = rebalance_ms
        self.initial = initial_micro
        self.ledger_activity = ledger_activity
        self.liquidations = liquidations
        self.targets = targets  # period index -> {coin index: weight}
        self.fund = fund
        n = len(market.specs)
        prng = random.Random(f"{seed}:account-params:{index}")
        self.taker_share = fund.taker_share_base + fund.taker_share_spread * prng.random()
        self.leverage = prng.choice(fund.leverage_choices)
        self.start = Snapshot(
            [0] * n,
            [0.0] * n,
            0,
            [0] * n,
            [0] * n,
            [0] * n,
            OID_BASE + index * ID_STRIDE,
            TID_BASE + index * ID_STRIDE,
        )

    # ---- helpers ---------------------------------------------------------------------------
    def account_value(self, s: Snapshot, t: int) -> int:
        m = self.market
        return s.cash + sum(
            upnl_micro(s.lots[c], m.px6(c, t), s.entry[c], m.specs[c].sz_decimals)
            for c in range(len(s.lots))
            if s.lots[c]
        )

    def _ledger_for_day(self, day: int) -> list[LedgerPlan]:
        n = len(self.addresses)
        plans = [
            p
            for p in ledger_plans(
                self.seed,
                n,
                self.index,
                day,
                self.origin,
                self.initial,
                self.ledger_activity,
                self.fund,
            )
        ]
        if self.ledger_activity and day > 0:
            for other in range(n):
                if other != self.index:
                    plans += [
                        p
                        for p in ledger_plans(
                            self.seed, n, other, day, self.origin, 0, True, self.fund
                        )
                        if p.kind == "internalTransfer" and p.target == self.index
                    ]
        return plans

    def _render_ledger(self, p: LedgerPlan) -> tuple[dict, int]:
        """(API record, signed cash change for this account)."""
        h = _hash(self.seed, "ledger", p.kind, p.source, p.target, p.time)
        delta: dict[str, object]
        if p.kind == "deposit":
            delta, change = {"type": "deposit", "usdc": fmt_micro(p.usdc)}, p.usdc
        elif p.kind == "withdraw":
            # the account is debited `usdc`; the $1 fee comes out of it (the user receives usdc - fee)
            delta = {
                "type": "withdraw",
                "usdc": fmt_micro(p.usdc),
                "nonce": p.nonce,
                "fee": fmt_micro(p.fee),
            }
            change = -p.usdc
        elif p.kind == "internalTransfer":
            src = self.addresses[p.source]
            dst = self.addresses[p.target] if p.target >= 0 else EXTERNAL_ADDRESS
            delta = {
                "type": "internalTransfer",
                "usdc": fmt_micro(p.usdc),
                "user": src,
                "destination": dst,
                "fee": "0.0",
            }
            change = p.usdc if p.target == self.index else -p.usdc
        else:
            delta = {"type": "accountClassTransfer", "usdc": fmt_micro(p.usdc), "toPerp": p.to_perp}
            change = p.usdc if p.to_perp else -p.usdc
        return {"time": p.time, "hash": h, "delta": delta}, change

    # ---- the day -----------------------------------------------------------------------------
    def generate_day(self, day: int, start: Snapshot) -> DayData:
        m = self.market
        s = start.copy()
        d0 = self.origin + day * DAY_MS
        d1 = d0 + DAY_MS
        m.ensure(d1 - 1)
        rng = random.Random(f"{self.seed}:trader:{self.index}:{day}")
        heap: list[tuple[int, int, int, Event]] = []
        seq = 0

        def push(t: int, prio: int, event: Event) -> None:
            nonlocal seq
            heapq.heappush(heap, (t, prio, seq, event))
            seq += 1

        for p in self._ledger_for_day(day):
            push(p.time, _LEDGER, LedgerEvent(p))
        for h in range(24):
            push(d0 + h * HOUR_MS, _FUNDING, FundingEvent())
        liq_period = None
        if (
            self.liquidations
            and day > 0
            and random.Random(f"{self.seed}:liq:{self.index}:{day}").random()
            < self.fund.liquidation_day_share
        ):
            liq_period = random.Random(f"{self.seed}:liqp:{self.index}:{day}").randrange(
                DAY_MS // self.rebalance_ms
            )
        for k in range(DAY_MS // self.rebalance_ms):
            t0 = d0 + k * self.rebalance_ms
            lag = rng.randrange(*self.fund.plan_lag_ms)
            push(t0 + lag, _PLAN, PlanEvent(t0, k == liq_period))

        data = DayData(day, start.copy(), start, [], [], [], [], [], {})
        while heap:
            t, _prio, _seq, event = heapq.heappop(heap)
            match event:
                case LedgerEvent(plan):
                    record, change = self._render_ledger(plan)
                    s.cash += change
                    if change > 0:
                        data.deposits += change
                    else:
                        data.withdrawals -= change
                    data.ledger.append(record)
                    data.log.append(StateRecord(t, -1, 0, 0.0, s.cash, 0, 0, 0))
                case FundingEvent():
                    self._settle_funding(t, s, data)
                case LedgerNote(record):
                    data.ledger.append(record)
                case PlanEvent(period_start, liquidate):
                    self._plan(t, period_start, s, rng, data, push, liquidate)
                case FillEvent():
                    self._apply_fill(t, s, data, event)
        data.orders.sort(key=lambda o: (o.timestamp, o.oid))
        data.end = s
        return data

    def _settle_funding(self, t: int, s: Snapshot, data: DayData) -> None:
        m = self.market
        for c, lots in enumerate(s.lots):
            if lots == 0:
                continue
            spec = m.specs[c]
            rate = m.rate_e8(c, t)
            px6 = m.px6(c, t)
            usdc = round_div(-lots * px6 * rate, 10**spec.sz_decimals * 10**8)
            s.cash += usdc
            s.cum_all[c] -= usdc
            s.cum_open[c] -= usdc
            s.cum_change[c] -= usdc
            data.coins.setdefault(c, CoinDay()).funding += usdc
            data.funding.append(
                {
                    "time": t,
                    "hash": ZERO_HASH,
                    "delta": {
                        "type": "funding",
                        "coin": spec.name,
                        "usdc": fmt_micro(usdc),
                        "szi": fmt_scaled(lots, spec.sz_decimals),
                        "fundingRate": fmt_scaled(rate, 8),
                        "nSamples": None,
                    },
                }
            )
            data.log.append(
                StateRecord(
                    t, c, lots, s.entry[c], s.cash, s.cum_all[c], s.cum_open[c], s.cum_change[c]
                )
            )

    def _plan(
        self,
        tp: int,
        t0: int,
        s: Snapshot,
        rng: random.Random,
        data: DayData,
        push: Push,
        liquidate: bool,
    ) -> None:
        """Size the period's orders on the account value at tp and schedule their fills."""
        m = self.market
        period_end = t0 + self.rebalance_ms
        weights = self.targets((t0 - self.origin) // self.rebalance_ms)
        av = self.account_value(s, tp)
        if liquidate:
            held = [c for c, q in enumerate(s.lots) if q]
            if held:
                c = rng.choice(held)
                self._liquidation(tp + rng.randrange(1000, 60_000), c, s, data, push)
                weights = {k: v for k, v in weights.items() if k != c}
                skip = {c}
            else:
                skip = set()
        else:
            skip = set()
        deltas = {}
        for c, spec in enumerate(m.specs):
            if c in skip:
                continue
            px6 = m.px6_generated(c, tp)
            w = weights.get(c, 0.0)
            target = round_half_away(w * av / px6 * 10**spec.sz_decimals) if av > 0 else 0
            delta = target - s.lots[c]
            if delta == 0:
                continue
            if abs(delta) * px6 // 10**spec.sz_decimals < MIN_ORDER_MICRO and target != 0:
                continue
            deltas[c] = (delta, target)
        if not deltas:
            return
        lam = self.fills_per_day * self.rebalance_ms / DAY_MS
        n_fills = max(len(deltas), int(round(rng.gauss(lam, math.sqrt(lam)))))
        size = {
            c: math.sqrt(abs(d) * m.px6_generated(c, tp) / 10 ** m.specs[c].sz_decimals)
            for c, (d, _) in deltas.items()
        }
        total = sum(size.values())
        window = max(MINUTE_MS, (period_end - tp) // 2)
        for c, (delta, target) in deltas.items():
            f_c = max(1, int(round(n_fills * size[c] / total)))
            n_orders = max(1, int(round(f_c / self.fund.fills_per_order)))
            for part in _split(abs(delta), n_orders, rng):
                t_place = _avoid_hour(tp + rng.randrange(window))
                self._order(
                    c,
                    part if delta > 0 else -part,
                    target == 0,
                    t_place,
                    period_end,
                    s,
                    rng,
                    data,
                    push,
                )

    def _order(
        self,
        c: int,
        signed: int,
        reduce_only: bool,
        t_place: int,
        period_end: int,
        s: Snapshot,
        rng: random.Random,
        data: DayData,
        push: Push,
    ) -> None:
        fund = self.fund
        m = self.market
        spec = m.specs[c]
        sign = 1 if signed > 0 else -1
        lots = abs(signed)
        mark6 = m.px6_generated(c, t_place)
        oid = s.next_oid
        s.next_oid += 1
        taker = rng.random() < self.taker_share
        last_ok = period_end - 2000
        if taker:
            market_order = rng.random() < fund.market_order_share
            limit6 = m.round_px6(c, mark6 / MICRO * (1 + sign * fund.taker_limit_offset))
            order = Order(
                oid,
                spec.name,
                "B" if sign > 0 else "A",
                limit6,
                lots,
                spec.sz_decimals,
                t_place,
                "Market" if market_order else "Limit",
                "FrontendMarket" if market_order else "Ioc",
                reduce_only,
            )
            u = rng.random()
            if u < fund.taker_full_fill or lots == 1:
                filled = lots
            else:
                filled = max(1, int(lots * rng.uniform(*fund.taker_partial_range)))
            k = min(filled, 1 + sum(rng.random() < p for p in fund.taker_extra_fills))
            t = t_place
            fills = []
            for q in _split(filled, k, rng):
                t = _avoid_hour(t + rng.randrange(*fund.taker_fill_delay_ms))
                slip = abs(rng.gauss(0.0, fund.slippage_bp_sigma)) + fund.slippage_bp_min
                px6 = m.round_px6(c, m.px6_generated(c, t) / MICRO * (1 + sign * slip / 1e4))
                fills.append((t, q, px6))
            order.end_time = t if filled == lots else t + 1
            order.end_status = "filled" if filled == lots else "canceled"
        else:
            inside = rng.uniform(*fund.maker_inside_bp)
            limit6 = m.round_px6(c, mark6 / MICRO * (1 - sign * inside / 1e4))
            order = Order(
                oid,
                spec.name,
                "B" if sign > 0 else "A",
                limit6,
                lots,
                spec.sz_decimals,
                t_place,
                "Limit",
                "Alo" if rng.random() < fund.alo_share else "Gtc",
                reduce_only,
            )
            u = rng.random()
            if u < fund.maker_full_fill or lots == 1 and u < fund.maker_any_fill:
                filled = lots
            elif u < fund.maker_any_fill:
                filled = max(1, int(lots * rng.uniform(*fund.maker_partial_range)))
            else:
                filled = 0
            fills = []
            if filled:
                k = min(filled, 1 + sum(rng.random() < p for p in fund.maker_extra_fills))
                times = sorted(
                    _avoid_hour(min(last_ok, t_place + rng.randrange(*fund.maker_fill_delay_ms)))
                    for _ in range(k)
                )
                fills = [(t, q, limit6) for t, q in zip(times, _split(filled, k, rng))]
            if filled == lots:
                order.end_time, order.end_status = fills[-1][0], "filled"
            else:
                after = fills[-1][0] if fills else t_place
                order.end_time = min(
                    last_ok + 1000, after + rng.randrange(*fund.maker_cancel_delay_ms)
                )
                order.end_status = "canceled"
                if (
                    not fills
                    and order.tif == "Alo"
                    and random.Random(f"{self.seed}:reject:{oid}").random() < fund.alo_reject_share
                ):
                    # a post-only order that would have crossed: rejected on arrival (own RNG,
                    # so this detail changes nothing else in the history)
                    order.end_time, order.end_status = t_place, "badAloPxRejected"
        builder = rng.random() < fund.builder_share
        order.hash = _hash(self.seed, self.address, order.oid)
        for t, q, px6 in fills:
            maker_fee = MAKER_REBATE_E6 if rng.random() < fund.maker_rebate_share else MAKER_FEE_E6
            fee_e6 = TAKER_FEE_E6 if taker else maker_fee
            push(t, _FILL, FillEvent(c, sign * q, px6, order, taker, fee_e6, builder, None))
            order.fills.append((t, q))
        data.orders.append(order)

    def _liquidation(self, t: int, c: int, s: Snapshot, data: DayData, push: Push) -> None:
        """Close a whole position at the mark as a liquidation (a market order by the exchange)."""
        m = self.market
        spec = m.specs[c]
        t = _avoid_hour(t)
        lots = s.lots[c]
        mark6 = m.px6(c, t)
        oid = s.next_oid
        s.next_oid += 1
        order = Order(
            oid,
            spec.name,
            "A" if lots > 0 else "B",
            mark6,
            abs(lots),
            spec.sz_decimals,
            t,
            "Market",
            "Ioc",
            True,
            [(t, abs(lots))],
            t,
            "filled",
        )
        order.hash = _hash(self.seed, self.address, order.oid)
        data.orders.append(order)
        info = {"liquidatedUser": self.address, "markPx": fmt_scaled(mark6, 6), "method": "market"}
        push(t, _FILL, FillEvent(c, -lots, mark6, order, True, LIQUIDATION_FEE_E6, False, info))
        av = self.account_value(s, t)
        record = {
            "time": t,
            "hash": _hash(self.seed, "liq", self.address, t),
            "delta": {
                "type": "liquidation",
                "liquidatedNtlPos": fmt_micro(round_div(abs(lots) * mark6, 10**spec.sz_decimals)),
                "accountValue": fmt_micro(av),
                "leverageType": "Cross",
                "liquidatedPositions": [
                    {"coin": spec.name, "szi": fmt_scaled(lots, spec.sz_decimals)}
                ],
            },
        }
        push(t, _LEDGER - 1, LedgerNote(record))

    def _apply_fill(self, t: int, s: Snapshot, data: DayData, fill: FillEvent) -> None:
        c, signed, px6, order = fill.coin, fill.signed_lots, fill.px6, fill.order
        crossed, fee_e6, builder, liquidation = (
            fill.crossed,
            fill.fee_e6,
            fill.builder,
            fill.liquidation,
        )
        spec = self.market.specs[c]
        scale = 10**spec.sz_decimals
        start = s.lots[c]
        eff = apply_fill(start, s.entry[c], signed, px6 / MICRO)
        pnl = round_half_away(eff.closed_pnl * MICRO / scale)
        notional = round_div(abs(signed) * px6, scale)
        builder_fee = round_div(notional * BUILDER_FEE_E6, 1_000_000) if builder else 0
        fee = round_div(notional * fee_e6, 1_000_000) + builder_fee
        s.lots[c] = int(eff.position)  # lots in, lots out: apply_fill keeps ints integral
        s.entry[c] = eff.entry
        s.cash += pnl - fee
        if start == 0 or (start > 0) != (eff.position > 0) or eff.position == 0:
            s.cum_open[c] = 0
        s.cum_change[c] = 0
        tid = s.next_tid
        s.next_tid += 1
        cd = data.coins.setdefault(c, CoinDay())
        cd.realized += pnl
        cd.fees += fee
        cd.volume += abs(signed) * px6
        cd.n_fills += 1
        record = {
            "closedPnl": fmt_micro(pnl),
            "coin": spec.name,
            "crossed": crossed,
            "dir": eff.dir,
            "hash": order.hash,
            "oid": order.oid,
            "px": fmt_scaled(px6, 6),
            "side": "B" if signed > 0 else "A",
            "startPosition": fmt_scaled(start, spec.sz_decimals),
            "sz": fmt_scaled(abs(signed), spec.sz_decimals),
            "time": t,
            "fee": fmt_micro(fee),
            "feeToken": "USDC",
            "tid": tid,
        }
        if builder:
            record["builderFee"] = fmt_micro(builder_fee)
        if liquidation:
            record["liquidation"] = liquidation
        data.fills.append(record)
        data.log.append(
            StateRecord(
                t, c, s.lots[c], s.entry[c], s.cash, s.cum_all[c], s.cum_open[c], s.cum_change[c]
            )
        )


def state_at(day: DayData, t: int) -> Snapshot:
    """The account's books after every event with time <= t within `day` (t inside the day)."""
    s = day.start.copy()
    for rec in day.log:
        if rec.time > t:
            break
        s.cash = rec.cash
        c = rec.coin
        if c >= 0:
            s.lots[c], s.entry[c] = rec.lots, rec.entry
            s.cum_all[c], s.cum_open[c], s.cum_change[c] = rec.cum_all, rec.cum_open, rec.cum_change
    return s
