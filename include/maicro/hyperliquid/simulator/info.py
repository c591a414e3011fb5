"""POST /info: one function per request type, answering from the model as of the clock's now.

Page rules, as on the exchange: time-range requests return records with startTime <= time <=
endTime (endTime defaults to now), ascending from startTime, at most 500 (2000 for fills,
5000 for candles); clients paginate from the last timestamp. `userFills` and `historicalOrders`
return the 2000 most recent, newest first. Only the 10,000 most recent fills (and the 5,000 most
recent candles of an interval) are reachable, unless `SimConfig.horizons` is off.
Unknown users get empty answers (like the exchange); a body that is not a JSON object with a
known `type` and its required fields is a `BadRequest` (HTTP 422, plain text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal, overload

from .decimals import DAY_MS, HOUR_MS, fmt_scaled
from .market import INTERVALS
from .model import Simulator
from .render import (
    EXOTIC_PERP,
    EXOTIC_SPOT,
    asset_ctx,
    clearinghouse_state,
    empty_clearinghouse_state,
    meta,
    order_entry,
    order_fields,
    spot_meta,
)
from .trader import ZERO_HASH, DayData

FILL_PAGE = 2000
PAGE = 500
CANDLE_PAGE = 5000
FILL_HORIZON = 10_000
# portfolio windows: (name, span, resolution). The exchange does not document its resolutions;
# these give the shape its charts show (finer for shorter windows), and each grid contains every
# UTC midnight, so every day of a window has a point at its close.
PORTFOLIO_WINDOWS: tuple[tuple[str, int | None, int], ...] = (
    ("day", DAY_MS, 15 * 60_000),
    ("week", 7 * DAY_MS, HOUR_MS),
    ("month", 30 * DAY_MS, 4 * HOUR_MS),
    ("allTime", None, DAY_MS),
)
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class BadRequest(ValueError):
    """The body cannot be served (HTTP 422 with this message as plain text)."""


def _user(body: dict) -> str:
    user = body.get("user")
    if not isinstance(user, str) or not _ADDRESS.match(user):
        raise BadRequest(
            "Failed to deserialize the JSON body into the target type: user must be "
            "a 0x-prefixed 40-hex-digit address"
        )
    return user.lower()


@overload
def _time(body: dict, key: str, required: Literal[True]) -> int: ...


@overload
def _time(body: dict, key: str, required: Literal[False]) -> int | None: ...


def _time(body: dict, key: str, required: bool) -> int | None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadRequest(
                f"Failed to deserialize the JSON body into the target type: missing field `{key}`"
            )
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(
            f"Failed to deserialize the JSON body into the target type: `{key}` must "
            "be an integer (ms)"
        )
    return value


class InfoApi:
    def __init__(self, sim: Simulator):
        self.sim = sim
        self.horizons = sim.config.horizons

    def handle(self, body, exotic: bool = False):
        """(JSON-able answer, number of items for the weight) or BadRequest."""
        if not isinstance(body, dict):
            raise BadRequest(
                "Failed to deserialize the JSON body into the target type: expected an object"
            )
        kind = body.get("type")
        if not isinstance(kind, str) or kind not in HANDLERS:
            raise BadRequest(
                f"Failed to deserialize the JSON body into the target type: unknown "
                f"variant `{kind}`"
            )
        now = self.sim.now_ms()
        with self.sim._lock:
            answer = HANDLERS[kind](self, body, now)
        if exotic:
            answer = add_exotic(kind, answer, now)
        return answer, len(answer) if isinstance(answer, list) else 0

    # ---- metadata -----------------------------------------------------------------------------
    def _t_meta(self, body, now):
        if body.get("dex"):
            return {"universe": [], "marginTables": []}
        return meta(self.sim.market)

    def _t_spotMeta(self, body, now):
        return spot_meta()

    def _t_metaAndAssetCtxs(self, body, now):
        m = self.sim.market
        return [meta(m), [asset_ctx(m, c, now) for c in range(len(m.specs))]]

    def _t_allMids(self, body, now):
        m = self.sim.market
        return {s.name: fmt_scaled(m.px6(c, now), 6) for c, s in enumerate(m.specs)}

    def _t_l2Book(self, body, now):
        """One level each side around the mid (enough for a book's `time`, which the data-feed
        probe reads as the age of the mid; the simulator has no depth)."""
        m = self.sim.market
        names = [s.name for s in m.specs]
        coin = body.get("coin")
        if coin not in names:
            return None
        mid = m.px6(names.index(coin), now) / 1e6
        level = [{"px": f"{mid * (1 + side * 1e-4):.6g}", "sz": "1", "n": 1} for side in (-1, 1)]
        return {"coin": coin, "time": now, "levels": [[level[0]], [level[1]]]}

    # ---- account state ------------------------------------------------------------------------
    def _t_clearinghouseState(self, body, now):
        i = self.sim.account_index(_user(body))
        if i is None or now < self.sim.origin:
            return empty_clearinghouse_state(now)
        s = self.sim.state(i, now)
        return clearinghouse_state(
            self.sim.market, s, now, self.sim._models[i].leverage, self.sim.upnl(s, now)
        )

    def _t_spotClearinghouseState(self, body, now):
        _user(body)
        return {"balances": []}

    def _t_openOrders(self, body, now):
        return self._open_orders(body, now, frontend=False)

    def _t_frontendOpenOrders(self, body, now):
        return self._open_orders(body, now, frontend=True)

    def _open_orders(self, body, now, frontend):
        i = self.sim.account_index(_user(body))
        if i is None or now < self.sim.origin:
            return []
        out = []
        for o in reversed(self.sim.day(i, self.sim.day_index(now)).orders):
            st = o.status_at(now)
            if st is not None and st[0] == "open":
                out.append(order_fields(o, st[2], frontend))
        return out

    def _newest_first(self, body, now, records_of, time_of) -> list:
        """Up to FILL_PAGE of an account's records at or before `now`, newest first: what
        `userFills` and `historicalOrders` serve (no time range, the most recent only)."""
        i = self.sim.account_index(_user(body))
        out: list[dict] = []
        if i is None or now < self.sim.origin:
            return out
        for d in range(self.sim.day_index(now), -1, -1):
            for rec in reversed(records_of(self.sim.day(i, d))):
                if time_of(rec) <= now:
                    out.append(rec)
                    if len(out) == FILL_PAGE:
                        return out
        return out

    def _t_historicalOrders(self, body, now):
        orders = self._newest_first(body, now, lambda day: day.orders, lambda o: o.timestamp)
        return [order_entry(o, now) for o in orders]

    def _t_orderStatus(self, body, now):
        user = _user(body)
        oid = body.get("oid")
        if isinstance(oid, bool) or not isinstance(oid, (int, str)):
            raise BadRequest(
                "Failed to deserialize the JSON body into the target type: `oid` must "
                "be an integer or a cloid string"
            )
        i = self.sim.account_index(user)
        if i is None or not isinstance(oid, int) or now < self.sim.origin:
            return {"status": "unknownOid"}
        d_now = self.sim.day_index(now)
        # the first oid of each day is in that day's start snapshot
        for d in range(d_now, -1, -1):
            if self.sim.snapshot(i, d).next_oid <= oid:
                for o in self.sim.day(i, d).orders:
                    if o.oid == oid and o.timestamp <= now:
                        return {"status": "order", "order": order_entry(o, now)}
                break
        return {"status": "unknownOid"}

    # ---- time ranges --------------------------------------------------------------------------
    def _t_userFills(self, body, now):
        return self._newest_first(body, now, lambda day: day.fills, lambda f: f["time"])

    def _t_userFillsByTime(self, body, now):
        user = _user(body)
        start = _time(body, "startTime", True)
        end = _time(body, "endTime", False)
        i = self.sim.account_index(user)
        end = now if end is None else min(end, now)
        if i is None or end < self.sim.origin or end < start:
            return []
        d_now = self.sim.day_index(now)
        counts = [self.sim.summary(i, d).n_fills for d in range(d_now)]
        today = sum(1 for f in self.sim.day(i, d_now).fills if f["time"] <= now)
        total = sum(counts) + today
        first_rank = total - FILL_HORIZON if self.horizons else 0
        d0 = max(0, self.sim.day_index(start))
        rank = sum(counts[:d0])
        out: list[dict] = []
        for d in range(d0, self.sim.day_index(end) + 1):
            fills = self.sim.day(i, d).fills
            if rank + len(fills) <= first_rank:
                rank += len(fills)
                continue
            for f in fills:
                t = f["time"]
                if t > end:
                    return out
                if t >= start and rank >= first_rank:
                    out.append(f)
                    if len(out) == FILL_PAGE:
                        return out
                rank += 1
        return out

    def _range(self, body, now, records: Callable[[DayData], list[dict]]):
        user = _user(body)
        start = _time(body, "startTime", True)
        end = _time(body, "endTime", False)
        i = self.sim.account_index(user)
        end = now if end is None else min(end, now)
        if i is None or end < self.sim.origin or end < start:
            return []
        out: list[dict] = []
        for d in range(max(0, self.sim.day_index(start)), self.sim.day_index(end) + 1):
            for r in records(self.sim.day(i, d)):
                t = r["time"]
                if t > end:
                    return out
                if t >= start:
                    out.append(r)
                    if len(out) == PAGE:
                        return out
        return out

    def _t_userFunding(self, body, now):
        return self._range(body, now, lambda day: day.funding)

    def _t_userNonFundingLedgerUpdates(self, body, now):
        return self._range(body, now, lambda day: day.ledger)

    def _t_candleSnapshot(self, body, now):
        req = body.get("req")
        if not isinstance(req, dict):
            raise BadRequest(
                "Failed to deserialize the JSON body into the target type: missing field `req`"
            )
        coin, interval = req.get("coin"), req.get("interval")
        if not isinstance(coin, str) or interval not in INTERVALS:
            raise BadRequest(
                "Failed to deserialize the JSON body into the target type: req needs "
                f"`coin` and an `interval` among {', '.join(INTERVALS)}"
            )
        start = _time(req, "startTime", True)
        end = _time(req, "endTime", False)
        end = now if end is None else end
        c = self.sim.market.index.get(coin)
        if c is None:
            return []
        return self.sim.market.candles(c, interval, start, end, now, horizon=self.horizons)

    def _t_fundingHistory(self, body, now):
        """Hourly funding rates of one coin: [{coin, fundingRate, premium, time}], 500 per page."""
        coin = body.get("coin")
        if not isinstance(coin, str):
            raise BadRequest(
                "Failed to deserialize the JSON body into the target type: missing field `coin`"
            )
        start = _time(body, "startTime", True)
        end = _time(body, "endTime", False)
        end = now if end is None else min(end, now)
        c = self.sim.market.index.get(coin)
        if c is None or end < self.sim.origin:
            return []
        first = max(start, self.sim.origin)
        h = -(-first // HOUR_MS) * HOUR_MS
        out: list[dict] = []
        while h <= end and len(out) < PAGE:
            out.append(
                {
                    "coin": coin,
                    "fundingRate": fmt_scaled(self.sim.market.rate_e8(c, h), 8),
                    "premium": "0.0",
                    "time": h,
                }
            )
            h += HOUR_MS
        return out

    def _t_portfolio(self, body, now):
        """Account value and PnL history per window, like the exchange: day, week, month,
        allTime, then the perp-only perpDay … perpAllTime (identical here: the simulated accounts
        hold perps only). Each window starts with a point at its start (now - span, or the
        account's first day for allTime), has one point at the end of every period of its
        resolution (`PORTFOLIO_WINDOWS`: the period's last millisecond, so a day's last point
        is its close) and ends with a point at now. pnlHistory = account value change since the
        window's first point, net of deposits and withdrawals."""
        i = self.sim.account_index(_user(body))
        windows: list[tuple[str, dict]] = []
        for name, span, step in PORTFOLIO_WINDOWS:
            history: dict = {"accountValueHistory": [], "pnlHistory": [], "vlm": "0.0"}
            if i is not None and now >= self.sim.origin:
                history = self._portfolio_window(i, now, span, step)
            windows.append((name, history))
        return [[name, history] for name, history in windows] + [
            ["perp" + name[0].upper() + name[1:], history] for name, history in windows
        ]

    def _portfolio_window(self, i: int, now: int, span: int | None, step: int) -> dict:
        lo = self.sim.origin if span is None else max(self.sim.origin, now - span)
        first_end = (lo // step + 1) * step - 1
        times = [lo, *range(first_end if first_end > lo else first_end + step, now, step)]
        if times[-1] != now:
            times.append(now)
        values = [self.sim.account_value_micro(i, t) for t in times]
        flows = self.sim.net_flows_micro(i, times)
        pnl = [v - values[0] - (f - flows[0]) for v, f in zip(values, flows)]
        volume = self.sim.volume_micro(i, lo, now)
        return {
            "accountValueHistory": [[t, fmt_scaled(v, 6)] for t, v in zip(times, values)],
            "pnlHistory": [[t, fmt_scaled(p, 6)] for t, p in zip(times, pnl)],
            "vlm": fmt_scaled(volume, 6),
        }


# The request types served: body `type` -> the method answering it (as of `now`).
HANDLERS: dict[str, Callable[[InfoApi, dict, int], Any]] = {
    "meta": InfoApi._t_meta,
    "spotMeta": InfoApi._t_spotMeta,
    "metaAndAssetCtxs": InfoApi._t_metaAndAssetCtxs,
    "allMids": InfoApi._t_allMids,
    "l2Book": InfoApi._t_l2Book,
    "clearinghouseState": InfoApi._t_clearinghouseState,
    "spotClearinghouseState": InfoApi._t_spotClearinghouseState,
    "openOrders": InfoApi._t_openOrders,
    "frontendOpenOrders": InfoApi._t_frontendOpenOrders,
    "historicalOrders": InfoApi._t_historicalOrders,
    "orderStatus": InfoApi._t_orderStatus,
    "userFills": InfoApi._t_userFills,
    "userFillsByTime": InfoApi._t_userFillsByTime,
    "userFunding": InfoApi._t_userFunding,
    "userNonFundingLedgerUpdates": InfoApi._t_userNonFundingLedgerUpdates,
    "candleSnapshot": InfoApi._t_candleSnapshot,
    "fundingHistory": InfoApi._t_fundingHistory,
    "portfolio": InfoApi._t_portfolio,
}


def add_exotic(kind: str, answer, now: int):
    """Add zero-money records for HIP-3 `xyz:XYZ100` and spot `@107` (fault `exotic_coins`)."""
    if kind in ("userFills", "userFillsByTime") and answer:
        t = answer[0]["time"]
        extra = []
        for k, coin in enumerate((EXOTIC_PERP, EXOTIC_SPOT)):
            extra.append(
                {
                    "closedPnl": "0.0",
                    "coin": coin,
                    "crossed": False,
                    "dir": "Buy" if coin.startswith("@") else "Open Long",
                    "hash": ZERO_HASH[:-4] + f"{k + 1:04x}",
                    "oid": 1 + k,
                    "px": "25.5",
                    "side": "B",
                    "startPosition": "0.0",
                    "sz": "1.0",
                    "time": t,
                    "fee": "0.0",
                    "feeToken": "USDC",
                    "tid": 900_000_000_000_000 + t % 1_000_000_000 * 2 + k,
                }
            )
        return extra[:1] + answer[:1] + extra[1:] + answer[1:]
    if kind == "userFunding" and answer:
        t = answer[0]["time"]
        return [
            {
                "time": t,
                "hash": ZERO_HASH,
                "delta": {
                    "type": "funding",
                    "coin": EXOTIC_PERP,
                    "usdc": "0.0",
                    "szi": "0.0",
                    "fundingRate": "0.0000125",
                    "nSamples": None,
                },
            }
        ] + answer
    if kind == "clearinghouseState" and isinstance(answer, dict):
        answer = dict(answer)
        answer["assetPositions"] = answer["assetPositions"] + [
            {
                "type": "oneWay",
                "position": {
                    "coin": EXOTIC_PERP,
                    "szi": "2.0",
                    "leverage": {"type": "cross", "value": 1},
                    "entryPx": "25.5",
                    "positionValue": "0.0",
                    "unrealizedPnl": "0.0",
                    "returnOnEquity": "0.0",
                    "liquidationPx": None,
                    "marginUsed": "0.0",
                    "maxLeverage": 10,
                    "cumFunding": {"allTime": "0.0", "sinceOpen": "0.0", "sinceChange": "0.0"},
                },
            }
        ]
        return answer
    if kind == "allMids" and isinstance(answer, dict):
        return {**answer, EXOTIC_PERP: "25.5", EXOTIC_SPOT: "25.5"}
    return answer
