"""The simulated fund as one object: market, strategies, accounts, clock, and the ground truth.

`Simulator` is what tests, the HTTP server and benchmarks talk to. It generates each account's
history a UTC day at a time (see trader.py), keeps every day's start snapshot and totals forever and
the full records of recent days in a small cache, so a year of history stays cheap in memory and
any day can be served again identically. Everything is a function of the config; the clock only
decides how much of it is visible (no record with time > now is ever shown).

Ground-truth conventions (the contract later stages test against, to the micro-dollar):
- money values are `decimal.Decimal`, exactly the sums of the decimal strings served;
- `realized_pnl_gross` = sum closedPnl, `fees` = sum fee (rebates negative, builder fees included),
  `funding` = sum userFunding usdc (> 0 = received), `volume_usd` = sum px * sz, `n_fills`;
- `unrealized_pnl_eod` = sum over the end-of-day position of szi * (mark - entry) rounded to
  micro-USD, where mark = the close of the day's last 1m candle (for today: the candle of the
  current minute, i.e. the mark at now) and entry the published average entry;
- flows: deposits = deposit + incoming internalTransfer + accountClassTransfer toPerp=true;
  withdrawals = withdraw `usdc` (its $1 fee is part of it, not extra) + outgoing internalTransfer +
  accountClassTransfer toPerp=false; net_flows = deposits - withdrawals;
- account_value_open = the previous day's account_value_close (0 before the first deposit), so
  close - open = realized - fees + funding + change in uPnL + net_flows, exactly.
Days are those overlapping [start_ms, end_ms] and not after now; today's row covers up to now.
"""

from __future__ import annotations

import functools
import gc
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .clock import SimClock
from .config import STRATEGY_KINDS, SimConfig, account_address, strategy_name
from .decimals import DAY_MS, MICRO, ms_to_date, upnl_micro
from .market import Market
from .render import order_entry
from .strategies import Strategy
from .trader import AccountModel, CoinDay, DayData, Snapshot, state_at


def micro_dec(value: int) -> Decimal:
    return Decimal(value).scaleb(-6)


@dataclass
class Position:
    coin: str
    szi: Decimal
    entry_px: float
    mark_px: Decimal
    upnl: Decimal


@dataclass
class AccountState:
    """An account's books at one instant (what clearinghouseState shows, in exact numbers)."""

    account: str
    time: int
    account_value: Decimal
    cash: Decimal  # net flows + closedPnl - fees + funding so far
    positions: list[Position]

    def positions_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [p.__dict__ for p in self.positions],
            columns=["coin", "szi", "entry_px", "mark_px", "upnl"],
        )


@dataclass
class _DaySummary:
    coins: dict  # coin index -> CoinDay
    deposits: int
    withdrawals: int
    n_fills: int
    n_orders: int


class Simulator:
    def __init__(self, config: SimConfig | None = None):
        cfg = (config or SimConfig()).resolved()
        assert cfg.start_ms is not None and cfg.now_ms is not None  # resolved() set both
        self.config = cfg
        self.origin = cfg.start_ms - cfg.start_ms % DAY_MS
        self.clock = SimClock(cfg.now_ms, cfg.speed)
        if cfg.speed == 1 and (config is None or config.now_ms is None):
            # Real time from now: resolved() floors `now` to the minute for the data, but a
            # clock anchored there would run up to 59 s behind the wall clock for ever, which
            # the health probe reports as the exchange's clock skew.
            self.clock.set_now(int(time.time() * 1000))
        self.market = Market(cfg.coins, self.origin, cfg.seed, cfg.tick_ms)
        n = cfg.n_accounts
        self.addresses = [account_address(cfg.seed, i) for i in range(n)]
        self.strategy_names = [strategy_name(i) for i in range(n)]
        self.accounts = list(zip(self.addresses, self.strategy_names))
        self._index = {a: i for i, a in enumerate(self.addresses)}
        self._strategies = [
            Strategy(name, STRATEGY_KINDS[i % len(STRATEGY_KINDS)], i, cfg.seed)
            for i, name in enumerate(self.strategy_names)
        ]
        self._weights: list[list[dict]] = [[] for _ in range(n)]
        self._models = []
        for i, address in enumerate(self.addresses):
            if cfg.initial_deposit is not None:
                initial = int(round(cfg.initial_deposit * MICRO))
            else:
                thousands = cfg.fund.initial_deposit_thousands
                initial = (
                    random.Random(f"{cfg.seed}:initial:{i}").randrange(*thousands) * 1000 * MICRO
                )
            self._models.append(
                AccountModel(
                    i,
                    address,
                    self.addresses,
                    self.market,
                    cfg.seed,
                    self.origin,
                    cfg.fills_per_day,
                    cfg.rebalance_ms,
                    initial,
                    cfg.ledger_activity,
                    cfg.liquidations,
                    targets=functools.partial(self._targets_for, i),
                    fund=cfg.fund,
                )
            )
        self._snapshots: list[list[Snapshot]] = [[m.start] for m in self._models]
        self._summaries: list[list[_DaySummary]] = [[] for _ in range(n)]
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.RLock()

    # ---- clock -----------------------------------------------------------------------------
    def now_ms(self) -> int:
        return self.clock.now_ms()

    def set_now(self, now_ms: int) -> None:
        self.clock.set_now(now_ms)

    def day_index(self, t_ms: int) -> int:
        return (t_ms - self.origin) // DAY_MS

    def account_index(self, account: str) -> int | None:
        return self._index.get(str(account).lower())

    # ---- strategies ----------------------------------------------------------------------------
    def _targets_for(self, i: int, period: int) -> dict:
        with self._lock:
            weights = self._weights[i]
            strat = self._strategies[i]
            while len(weights) <= period:
                p = len(weights)
                weights.append(
                    dict(strat.decide(p, self.origin + p * self.config.rebalance_ms, self.market))
                )
            return weights[period]

    def targets(
        self, strategy: str | None = None, start_ms: int | None = None, end_ms: int | None = None
    ) -> pd.DataFrame:
        """Published target weights (strategy, ts ms, coin, target_weight) for decisions with
        start_ms <= ts < end_ms (half-open, like every window here) and ts <= now.

        Each decision lists every coin with a non-zero weight and an explicit 0 for coins that
        just left, so an as-of join never keeps a stale weight."""
        now = self.now_ms()
        last = min(now, int(end_ms) - 1 if end_ms is not None else now)
        rows = []
        with self._lock:
            if last >= self.origin:
                for i, strat in enumerate(self._strategies):
                    self._targets_for(i, (last - self.origin) // self.config.rebalance_ms)
                    if strategy is not None and strat.name != strategy:
                        continue
                    for ts, published in strat.history:
                        if ts > last or (start_ms is not None and ts < start_ms):
                            continue
                        for ci in sorted(published):
                            rows.append((strat.name, ts, self.market.names[ci], published[ci]))
        frame = pd.DataFrame(rows, columns=["strategy", "ts", "coin", "target_weight"])
        return frame.sort_values(["strategy", "ts", "coin"], kind="stable").reset_index(drop=True)

    # ---- days ----------------------------------------------------------------------------------
    def _ensure(self, i: int, d: int) -> None:
        """Generate account i's days up to d (inclusive), in order."""
        summaries = self._summaries[i]
        while len(summaries) <= d:
            k = len(summaries)
            data = self._generate(i, k)
            summaries.append(
                _DaySummary(
                    data.coins, data.deposits, data.withdrawals, len(data.fills), len(data.orders)
                )
            )
            self._snapshots[i].append(data.end.copy())
            self._remember(i, k, data)

    def _generate(self, i: int, d: int) -> DayData:
        # A day creates ~10^4 acyclic objects; pausing the cyclic GC makes a year 2x faster.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._models[i].generate_day(d, self._snapshots[i][d])
        finally:
            if enabled:
                gc.enable()

    def _remember(self, i: int, d: int, data: DayData) -> None:
        self._cache[(i, d)] = data
        self._cache.move_to_end((i, d))
        while len(self._cache) > max(1, self.config.cache_days) * max(1, len(self._models)):
            self._cache.popitem(last=False)

    def day(self, i: int, d: int) -> DayData:
        """Account i's full records of day index d (generated or regenerated on demand)."""
        with self._lock:
            self._ensure(i, d)
            hit = self._cache.get((i, d))
            if hit is not None:
                self._cache.move_to_end((i, d))
                return hit
            data = self._generate(i, d)
            self._remember(i, d, data)
            return data

    def summary(self, i: int, d: int) -> _DaySummary:
        with self._lock:
            self._ensure(i, d)
            return self._summaries[i][d]

    def snapshot(self, i: int, d: int) -> Snapshot:
        """Books at the start of day index d."""
        with self._lock:
            self._ensure(i, max(0, d - 1))
            return self._snapshots[i][d]

    def state(self, i: int, t: int) -> Snapshot:
        """Books after every event with time <= t."""
        d = self.day_index(t)
        if d < 0:
            return self._models[i].start.copy()
        return state_at(self.day(i, d), t)

    # ---- exact numbers ---------------------------------------------------------------------------
    def upnl(self, s: Snapshot, t: int) -> dict[int, int]:
        """micro-USD unrealized PnL per held coin, valued at the mark at t."""
        out = {}
        for c, lots in enumerate(s.lots):
            if lots:
                out[c] = upnl_micro(
                    lots, self.market.px6(c, t), s.entry[c], self.market.specs[c].sz_decimals
                )
        return out

    def account_value_micro(self, i: int, t: int) -> int:
        d = self.day_index(t)
        if d >= 0 and t == self.origin + (d + 1) * DAY_MS - 1 and t < self.now_ms():
            s = self.snapshot(i, d + 1)  # a day's close: its saved end-of-day books, no replay
        else:
            s = self.state(i, t)
        return s.cash + sum(self.upnl(s, t).values())

    def volume_micro(self, i: int, start: int, end: int) -> int:
        """Σ px·sz (micro-USD, rounded) of the fills with start <= time <= end: whole days from
        their saved totals, the partial first and last days from their fills."""
        total = 0
        first, last = self.day_index(start), self.day_index(end)
        for d in range(max(first, 0), last + 1):
            d0 = self.origin + d * DAY_MS
            if start <= d0 and d0 + DAY_MS - 1 <= end and d0 + DAY_MS - 1 < self.now_ms():
                for c, cd in self.summary(i, d).coins.items():
                    total += cd.volume // 10 ** self.market.specs[c].sz_decimals
                continue
            for f in self.day(i, d).fills:
                if start <= f["time"] <= end:
                    c = self.market.index[f["coin"]]
                    lots = _scaled(f["sz"], self.market.specs[c].sz_decimals)
                    total += _scaled(f["px"], 6) * lots // 10 ** self.market.specs[c].sz_decimals
        return total

    def net_flows_micro(self, i: int, times: list[int]) -> list[int]:
        """Σ ledger flows (deposits - withdrawals) with time <= t, for each t of ascending
        `times` (the portfolio's PnL history is net of them, as on the exchange)."""
        out, total, done = [], 0, 0  # total = flows of days [0, done)
        with self._lock:
            for t in times:
                d = self.day_index(t)
                if d < 0:
                    out.append(0)
                    continue
                while done < d:
                    summ = self.summary(i, done)
                    total += summ.deposits - summ.withdrawals
                    done += 1
                partial = sum(
                    ledger_flow_micro(rec, self.addresses[i])
                    for rec in self.day(i, d).ledger
                    if rec["time"] <= t
                )
                out.append(total + partial)
        return out

    def account_state(self, account: str, t_ms: int | None = None) -> AccountState:
        """Positions (coin, szi, entry_px, mark_px, upnl) and account value at t (default now)."""
        i = self._require(account)
        t = self.now_ms() if t_ms is None else int(t_ms)
        with self._lock:
            s = self.state(i, t)
            upnl = self.upnl(s, t)
            positions = []
            for c, u in upnl.items():
                spec = self.market.specs[c]
                positions.append(
                    Position(
                        spec.name,
                        Decimal(s.lots[c]).scaleb(-spec.sz_decimals),
                        s.entry[c],
                        micro_dec(self.market.px6(c, t)),
                        micro_dec(u),
                    )
                )
            return AccountState(
                self.addresses[i],
                t,
                micro_dec(s.cash + sum(upnl.values())),
                micro_dec(s.cash),
                positions,
            )

    def _require(self, account: str | None) -> int:
        i = None if account is None else self.account_index(account)
        if i is None:
            raise KeyError(f"unknown simulated account {account!r}")
        return i

    # ---- ground truth ----------------------------------------------------------------------------
    def _days_in(self, start_ms: int | None, end_ms: int | None) -> tuple[range, int]:
        now = self.now_ms()
        end = now if end_ms is None else min(int(end_ms), now)
        start = self.origin if start_ms is None else max(int(start_ms), self.origin)
        if end < self.origin or end < start:
            return range(0), now
        return range(self.day_index(start), self.day_index(end) + 1), now

    def _day_totals(self, i: int, d: int, now: int):
        """(coins {c: CoinDay}, deposits, withdrawals, closing Snapshot, close time) for a day,
        cut at now when the day is not over."""
        d_end = self.origin + (d + 1) * DAY_MS - 1
        if d_end <= now:
            summ = self.summary(i, d)
            return summ.coins, summ.deposits, summ.withdrawals, self._snapshots[i][d + 1], d_end

        data = self.day(i, d)
        coins: dict[int, CoinDay] = {}
        idx = self.market.index
        for f in data.fills:
            if f["time"] > now:
                break
            c = idx[f["coin"]]
            scale = self.market.specs[c].sz_decimals
            cd = coins.setdefault(c, CoinDay())
            cd.realized += _micro(f["closedPnl"])
            cd.fees += _micro(f["fee"])
            cd.volume += _scaled(f["px"], 6) * _scaled(f["sz"], scale)
            cd.n_fills += 1
        for f in data.funding:
            if f["time"] > now:
                break
            coins.setdefault(idx[f["delta"]["coin"]], CoinDay()).funding += _micro(
                f["delta"]["usdc"]
            )
        dep = wd = 0
        for rec in data.ledger:
            if rec["time"] > now:
                break
            flow = ledger_flow_micro(rec, self.addresses[i])
            dep += max(flow, 0)
            wd += max(-flow, 0)
        return coins, dep, wd, state_at(data, now), now

    def ground_truth_daily(
        self, start_ms: int | None = None, end_ms: int | None = None
    ) -> pd.DataFrame:
        """One row per (account, day, coin) with activity or an end-of-day position."""
        cols = [
            "account",
            "day",
            "coin",
            "realized_pnl_gross",
            "fees",
            "funding",
            "unrealized_pnl_eod",
            "volume_usd",
            "n_fills",
        ]
        rows = []
        with self._lock:
            days, now = self._days_in(start_ms, end_ms)
            for i, address in enumerate(self.addresses):
                for d in days:
                    coins, _dep, _wd, close, t_close = self._day_totals(i, d, now)
                    upnl = self.upnl(close, t_close)
                    day = ms_to_date(self.origin + d * DAY_MS)
                    for c in sorted(set(coins) | set(upnl)):
                        spec = self.market.specs[c]
                        cd = coins.get(c)
                        rows.append(
                            (
                                address,
                                day,
                                spec.name,
                                micro_dec(cd.realized if cd else 0),
                                micro_dec(cd.fees if cd else 0),
                                micro_dec(cd.funding if cd else 0),
                                micro_dec(upnl.get(c, 0)),
                                Decimal(cd.volume if cd else 0).scaleb(-(6 + spec.sz_decimals)),
                                cd.n_fills if cd else 0,
                            )
                        )
        return pd.DataFrame(rows, columns=cols)

    def ground_truth_account_daily(
        self, start_ms: int | None = None, end_ms: int | None = None
    ) -> pd.DataFrame:
        """One row per (account, day): account_value_open/close, deposits, withdrawals, net_flows."""
        cols = [
            "account",
            "day",
            "account_value_open",
            "account_value_close",
            "deposits",
            "withdrawals",
            "net_flows",
        ]
        rows = []
        with self._lock:
            days, now = self._days_in(start_ms, end_ms)
            for i, address in enumerate(self.addresses):
                for d in days:
                    _coins, dep, wd, close, t_close = self._day_totals(i, d, now)
                    d0 = self.origin + d * DAY_MS
                    if d == 0:
                        av_open = 0
                    else:
                        opening = self.snapshot(i, d)
                        av_open = opening.cash + sum(self.upnl(opening, d0 - 1).values())
                    av_close = close.cash + sum(self.upnl(close, t_close).values())
                    rows.append(
                        (
                            address,
                            ms_to_date(d0),
                            micro_dec(av_open),
                            micro_dec(av_close),
                            micro_dec(dep),
                            micro_dec(wd),
                            micro_dec(dep - wd),
                        )
                    )
        return pd.DataFrame(rows, columns=cols)

    # ---- bulk records (benchmarks: no HTTP, no page limits, no horizons) --------------------------
    def records(
        self,
        kind: str,
        account: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        coin: str | None = None,
        interval: str = "1m",
    ) -> list[dict]:
        """API-shaped records with start_ms <= time < end_ms and time <= now, ascending.

        kind: fills | funding | ledger | orders (historicalOrders entries, status as of now) |
        candles (needs coin; account ignored)."""
        now = self.now_ms()
        start = self.origin if start_ms is None else int(start_ms)
        end = now + 1 if end_ms is None else min(int(end_ms), now + 1)
        if kind == "candles":
            if coin not in self.market.index:
                raise KeyError(f"unknown coin {coin!r}")
            with self._lock:
                out = []
                t = start
                while t < end:  # the market serves at most 5000 candles per call
                    page = self.market.candles(
                        self.market.index[coin], interval, t, end - 1, now, horizon=False
                    )
                    if not page:
                        break
                    out += page
                    t = page[-1]["t"] + 1
                return out
        i = self._require(account)
        out = []
        with self._lock:
            if end <= max(start, self.origin):
                return out
            for d in range(self.day_index(max(start, self.origin)), self.day_index(end - 1) + 1):
                data = self.day(i, d)
                if kind == "orders":
                    for o in data.orders:
                        if start <= o.timestamp < end:
                            out.append(order_entry(o, now))
                    continue
                items = {"fills": data.fills, "funding": data.funding, "ledger": data.ledger}[kind]
                out += [r for r in items if start <= r["time"] < end]
        return out


def _scaled(text: str, decimals: int) -> int:
    """Decimal string -> int in units of 10**-decimals (exact)."""
    return int(Decimal(text).scaleb(decimals))


def _micro(text: str) -> int:
    return _scaled(text, 6)


def ledger_flow_micro(record: dict, address: str) -> int:
    """Signed micro-USD effect of a ledger record on `address`'s perp account value (the rules
    ground truth uses: withdraw debits `usdc` only; liquidation notes move nothing)."""
    delta = record["delta"]
    kind = delta["type"]
    usdc = _micro(delta.get("usdc", "0"))
    if kind == "deposit":
        return usdc
    if kind == "withdraw":
        return -usdc
    if kind == "internalTransfer":
        return usdc if delta["destination"].lower() == address.lower() else -usdc
    if kind == "accountClassTransfer":
        return usdc if delta["toPerp"] else -usdc
    return 0
