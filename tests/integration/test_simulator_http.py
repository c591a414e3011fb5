"""The simulator over real HTTP with the real hyperliquid SDK: shapes, pages, horizons, limits."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from hyperliquid.info import Info
from hyperliquid.utils.error import ClientError
from maicro.hyperliquid.simulator import SimConfig, start_simulator

DAY = 86_400_000
HOUR = 3_600_000
NOW = int(datetime(2025, 11, 25, 13, 17, 30, tzinfo=UTC).timestamp() * 1000)
NUMBER = re.compile(r"^-?\d+\.\d+$")


@pytest.fixture(scope="module")
def handle():
    with start_simulator(SimConfig(seed=21, now_ms=NOW, days=5, rate_limit=False)) as h:
        yield h


@pytest.fixture(scope="module")
def info(handle) -> Info:
    return Info(base_url=handle.url, skip_ws=True)


def is_number(value) -> bool:
    return isinstance(value, str) and bool(NUMBER.match(value))


def is_ms(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1.5e12 < value < 2.5e12


def test_sdk_constructs_from_served_meta_and_spot_meta(handle, info):
    for coin in ("BTC", "ETH", "SOL", "HYPE", "AVAX"):
        assert coin in info.coin_to_asset and coin in info.name_to_coin
    assert info.coin_to_asset["@107"] == 10107
    assert info.asset_to_sz_decimals[info.coin_to_asset["BTC"]] == 5


def test_every_request_type_has_the_documented_shape(handle, info):
    user = handle.sim.accounts[0][0]
    state = info.user_state(user)
    for key in ("accountValue", "totalNtlPos", "totalRawUsd", "totalMarginUsed"):
        assert is_number(state["marginSummary"][key]) and is_number(
            state["crossMarginSummary"][key]
        )
    assert is_number(state["withdrawable"]) and is_ms(state["time"]) and state["time"] == NOW
    assert state["assetPositions"]
    for ap in state["assetPositions"]:
        p = ap["position"]
        for key in (
            "szi",
            "entryPx",
            "positionValue",
            "unrealizedPnl",
            "returnOnEquity",
            "marginUsed",
        ):
            assert is_number(p[key]), key
        assert set(p["cumFunding"]) == {"allTime", "sinceOpen", "sinceChange"}
        assert p["leverage"]["type"] == "cross" and isinstance(p["maxLeverage"], int)

    fills = info.user_fills(user)
    assert fills and [f["time"] for f in fills] == sorted((f["time"] for f in fills), reverse=True)
    for f in fills:
        for key in ("px", "sz", "startPosition", "closedPnl", "fee"):
            assert is_number(f[key]), key
        assert f["side"] in ("B", "A") and is_ms(f["time"]) and f["time"] <= NOW
        assert isinstance(f["oid"], int) and isinstance(f["tid"], int)
        assert isinstance(f["crossed"], bool) and f["feeToken"] == "USDC"
        assert re.match(r"^0x[0-9a-f]{64}$", f["hash"])
    funding = info.user_funding_history(user, NOW - DAY)
    assert funding
    for r in funding:
        d = r["delta"]
        assert is_ms(r["time"]) and d["type"] == "funding"
        assert is_number(d["usdc"]) and is_number(d["szi"]) and is_number(d["fundingRate"])
    ledger = info.user_non_funding_ledger_updates(user, 0)
    assert ledger and all(is_ms(r["time"]) and is_number(r["delta"]["usdc"]) for r in ledger)
    orders = info.historical_orders(user)
    assert orders
    for o in orders:
        assert o["status"] in ("open", "filled", "canceled", "badAloPxRejected")
        assert is_ms(o["statusTimestamp"])
        order = o["order"]
        for key in ("limitPx", "sz", "origSz"):
            assert is_number(order[key])
        assert order["side"] in ("B", "A") and order["tif"] in (
            "Gtc",
            "Alo",
            "Ioc",
            "FrontendMarket",
        )
        assert isinstance(order["reduceOnly"], bool) and order["orderType"] in ("Limit", "Market")
    status = info.query_order_by_oid(user, orders[3]["order"]["oid"])
    assert (
        status["status"] == "order" and status["order"]["order"]["oid"] == orders[3]["order"]["oid"]
    )
    assert info.query_order_by_oid(user, 12345)["status"] == "unknownOid"
    for o in info.frontend_open_orders(user):
        assert is_number(o["origSz"]) and is_number(o["sz"]) and o["timestamp"] <= NOW
    assert isinstance(info.open_orders(user), list)
    mids = info.all_mids()
    assert set(mids) == set(handle.sim.market.names) and all(is_number(v) for v in mids.values())
    meta, ctxs = info.meta_and_asset_ctxs()
    assert len(meta["universe"]) == len(ctxs)
    assert all(is_number(c["markPx"]) and is_number(c["funding"]) for c in ctxs)
    candles = info.candles_snapshot("ETH", "1h", NOW - DAY, NOW)
    # open times in [start, end]: 14:00 yesterday .. 13:00 today (the current, still open hour)
    assert len(candles) == 24 and candles[0]["t"] >= NOW - DAY and candles[-1]["t"] <= NOW
    for c in candles:
        assert (
            all(is_number(c[k]) for k in "ohlcv") and is_ms(c["t"]) and c["T"] == c["t"] + HOUR - 1
        )
    assert candles[-1]["c"] == mids["ETH"]
    rates = info.funding_history("BTC", NOW - DAY)
    assert len(rates) == 24 and all(
        r["time"] % HOUR == 0 and is_number(r["fundingRate"]) for r in rates
    )
    paid = {
        r["time"]: r["delta"]["fundingRate"]
        for r in info.user_funding_history(user, NOW - DAY)
        if r["delta"]["coin"] == "BTC"
    }
    assert paid and all(
        paid[t] == r["fundingRate"] for r in rates for t in [r["time"]] if t in paid
    )
    portfolio = info.post("/info", {"type": "portfolio", "user": user})
    names = ["day", "week", "month", "allTime"]
    assert [p[0] for p in portfolio] == names + ["perpDay", "perpWeek", "perpMonth", "perpAllTime"]
    by_name = dict(portfolio)
    # every window ends at now, with the account value clearinghouseState reports
    now_value = info.user_state(user)["marginSummary"]["accountValue"]
    for name in names:
        history = by_name[name]["accountValueHistory"]
        assert float(history[-1][1]) == float(now_value)
        assert by_name[name] == by_name["perp" + name[0].upper() + name[1:]]
    # the day window has a point at the end of every 15 minutes
    day_times = [t for t, _ in by_name["day"]["accountValueHistory"][1:-1]]
    assert all((t + 1) % (15 * 60_000) == 0 for t in day_times) and len(day_times) >= 95


def test_unknown_user_gets_empty_answers(info):
    nobody = "0x" + "1" * 40
    assert info.user_fills(nobody) == [] and info.user_state(nobody)["assetPositions"] == []


def test_time_range_pages_start_at_start_time_and_hold_at_most_the_limit(handle, info):
    user = handle.sim.accounts[1][0]
    page = info.user_funding_history(user, handle.sim.origin, NOW)
    assert len(page) == 500
    assert page[0]["time"] >= handle.sim.origin
    assert [r["time"] for r in page] == sorted(r["time"] for r in page)
    # paginating from the last timestamp reaches exactly what the model holds
    seen, cursor = {}, handle.sim.origin
    while True:
        page = info.user_funding_history(user, cursor, NOW)
        seen.update({(r["time"], r["delta"]["coin"]): r for r in page})
        if len(page) < 500:
            break
        cursor = page[-1]["time"]
    assert len(seen) == len(handle.sim.records("funding", user))
    window = info.user_fills_by_time(user, NOW - 2 * HOUR, NOW - HOUR)
    assert all(NOW - 2 * HOUR <= f["time"] <= NOW - HOUR for f in window)


def test_fill_pages_of_2000_and_the_10000_fill_horizon():
    cfg = SimConfig(seed=8, now_ms=NOW, days=3, n_accounts=1, fills_per_day=3500, rate_limit=False)
    with start_simulator(cfg) as h:
        info = Info(base_url=h.url, skip_ws=True)
        user = h.sim.accounts[0][0]
        everything = h.sim.records("fills", user)
        assert len(everything) > 10_500
        first = info.user_fills_by_time(user, 0, NOW)
        assert len(first) == 2000
        # the oldest reachable fill is the 10,000th most recent one
        assert first[0]["tid"] == everything[-10_000]["tid"]
        got, cursor = {}, 0
        while True:
            page = info.user_fills_by_time(user, cursor, NOW)
            got.update({(f["time"], f["coin"], f["tid"]): f for f in page})
            if len(page) < 2000:
                break
            cursor = page[-1]["time"]
        assert len(got) == 10_000
        assert len(info.user_fills(user)) == 2000
        candles = info.candles_snapshot("BTC", "1m", 0, NOW)
        assert len(candles) == 5000 and candles[-1]["t"] == NOW - NOW % 60_000
    with start_simulator(SimConfig(**{**cfg.__dict__, "horizons": False})) as h:
        info = Info(base_url=h.url, skip_ws=True)
        first = info.user_fills_by_time(h.sim.accounts[0][0], 0, NOW)
        assert first[0]["time"] == everything[0]["time"]


def test_429_after_the_weight_budget():
    with start_simulator(SimConfig(seed=1, now_ms=NOW, days=1)) as h:
        info = Info(base_url=h.url, skip_ws=True)  # 2 calls of weight 20
        statuses = []
        for _ in range(70):
            r = requests.post(h.url + "/info", json={"type": "meta"})
            statuses.append(r.status_code)
        assert statuses[:58] == [200] * 58  # 1200 - 40 = 1160 = 58 * 20
        assert statuses[58:] == [429] * 12
        assert int(r.headers["Retry-After"]) >= 1 and "Too many requests" in r.text
        with pytest.raises(ClientError) as err:
            info.meta()
        assert err.value.status_code == 429
    with start_simulator(SimConfig(seed=1, now_ms=NOW, days=1, rate_limit=False)) as h:
        assert all(
            requests.post(h.url + "/info", json={"type": "meta"}).status_code == 200
            for _ in range(70)
        )


def test_422_plain_text_for_a_malformed_body(handle, info):
    for body in (
        b"{not json",
        b"[1, 2]",
        json.dumps({"type": "noSuchType"}).encode(),
        json.dumps({"type": "clearinghouseState"}).encode(),
        json.dumps({"type": "userFunding", "user": handle.sim.accounts[0][0]}).encode(),
    ):
        r = requests.post(
            handle.url + "/info", data=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, body
        assert r.headers["Content-Type"].startswith("text/plain") and r.text
    with pytest.raises(ClientError) as err:
        info.post("/info", {"type": "userFills"})
    assert err.value.status_code == 422 and "user" in err.value.error_message


def test_targets_csv_ground_truth_and_clock_endpoints(handle):
    r = requests.get(handle.url + "/strategy/targets.csv", params={"strategy": "carry_b"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.text.splitlines()[0] == "strategy,ts,coin,target_weight"
    frame = handle.sim.targets("carry_b")
    assert len(rows) == len(frame) and {row["strategy"] for row in rows} == {"carry_b"}
    assert rows[0]["ts"].endswith("Z")
    assert float(rows[-1]["target_weight"]) == frame.iloc[-1]["target_weight"]
    decision = int(frame.iloc[-1]["ts"])  # windows are half-open: [start, end)
    r = requests.get(
        handle.url + "/strategy/targets.csv",
        params={"ts": "ms", "start": NOW - DAY, "end": decision},
    )
    got = [int(row["ts"]) for row in csv.DictReader(io.StringIO(r.text))]
    assert got and all(NOW - DAY <= ts < decision for ts in got)
    health = requests.get(handle.url + "/health").json()
    assert [(a["address"], a["strategy"]) for a in health["accounts"]] == handle.sim.accounts
    gt = requests.get(handle.url + "/sim/ground_truth", params={"start": NOW - DAY}).json()
    daily = handle.sim.ground_truth_daily(NOW - DAY)
    assert len(gt["daily"]) == len(daily)
    assert sum(Decimal(x["fees"]) for x in gt["daily"]) == sum(daily["fees"], Decimal(0))
    assert {"account_value_open", "account_value_close", "net_flows"} <= set(gt["account_daily"][0])
    clock = requests.get(handle.url + "/sim/clock").json()
    assert clock["now_ms"] == NOW and clock["mode"] == "frozen"
    assert requests.get(handle.url + "/health").json()["status"] == "ok"
    try:
        moved = requests.post(handle.url + "/sim/clock", json={"advance_ms": HOUR}).json()
        assert moved["now_ms"] == NOW + HOUR
        handle.set_now(NOW + 2 * HOUR)
        assert requests.get(handle.url + "/sim/clock").json()["now_ms"] == NOW + 2 * HOUR
    finally:
        handle.set_now(NOW)


def test_accelerated_clock_shows_new_data_as_time_passes():
    cfg = SimConfig(seed=4, now_ms=NOW, days=1, n_accounts=1, speed=3600.0 * 4)  # 4 h per second
    with start_simulator(cfg) as h:
        info = Info(base_url=h.url, skip_ws=True)
        user = h.sim.accounts[0][0]
        t1 = info.user_state(user)["time"]
        n1 = len(info.user_fills_by_time(user, NOW - DAY, NOW + DAY))
        time.sleep(0.6)
        t2 = info.user_state(user)["time"]
        n2 = len(info.user_fills_by_time(user, NOW - DAY, NOW + DAY))
        assert t2 - t1 > HOUR and n2 > n1


def test_same_seed_gives_byte_identical_answers():
    cfg = SimConfig(seed=33, now_ms=NOW, days=1, rate_limit=False)
    bodies = []
    for _ in range(2):
        with start_simulator(cfg) as h:
            user = h.sim.accounts[1][0]
            # ask in a different order each time: the model must not depend on it
            requests_ = [
                {"type": "userFillsByTime", "user": user, "startTime": 0},
                {"type": "clearinghouseState", "user": user},
                {"type": "userFunding", "user": user, "startTime": 0},
                {"type": "userNonFundingLedgerUpdates", "user": user, "startTime": 0},
                {"type": "historicalOrders", "user": user},
                {
                    "type": "candleSnapshot",
                    "req": {"coin": "SOL", "interval": "5m", "startTime": 0, "endTime": NOW},
                },
            ]
            order = range(len(requests_)) if not bodies else reversed(range(len(requests_)))
            got = {k: requests.post(h.url + "/info", json=requests_[k]).content for k in order}
            bodies.append([got[k] for k in range(len(requests_))])
    assert bodies[0] == bodies[1]
    with start_simulator(SimConfig(**{**cfg.__dict__, "seed": 34})) as h:
        other = requests.post(
            h.url + "/info",
            json={"type": "userFillsByTime", "user": h.sim.accounts[1][0], "startTime": 0},
        )
    assert other.content != bodies[0][0]


def _all_pages(fetch, limit: int, start: int) -> list[dict]:
    seen, cursor = {}, start
    while True:
        page = fetch(cursor)
        seen.update({json.dumps(r, sort_keys=True): r for r in page})
        if len(page) < limit:
            return list(seen.values())
        cursor = page[-1]["time"]


def test_account_value_is_explained_exactly_by_what_the_api_serves(handle, info):
    for address, _ in handle.sim.accounts:
        # the lambdas are called inside this iteration only: binding `address` late is safe
        fills = _all_pages(lambda s: info.user_fills_by_time(address, s, NOW), 2000, 0)  # noqa: B023
        funding = _all_pages(lambda s: info.user_funding_history(address, s, NOW), 500, 0)  # noqa: B023
        ledger = _all_pages(lambda s: info.user_non_funding_ledger_updates(address, s, NOW), 500, 0)  # noqa: B023
        state = info.user_state(address)
        flows = Decimal(0)
        for r in ledger:
            d = r["delta"]
            usdc = Decimal(d.get("usdc", "0"))
            if d["type"] == "deposit" or (d["type"] == "accountClassTransfer" and d["toPerp"]):
                flows += usdc
            elif d["type"] == "withdraw" or d["type"] == "accountClassTransfer":
                flows -= usdc
            elif d["type"] == "internalTransfer":
                flows += usdc if d["destination"] == address else -usdc
        total = (
            flows
            + sum(Decimal(f["closedPnl"]) - Decimal(f["fee"]) for f in fills)
            + sum(Decimal(r["delta"]["usdc"]) for r in funding)
            + sum(Decimal(p["position"]["unrealizedPnl"]) for p in state["assetPositions"])
        )
        assert Decimal(state["marginSummary"]["accountValue"]) == total, address
        # cumFunding.allTime is funding paid: minus what userFunding says was received
        for p in state["assetPositions"]:
            coin = p["position"]["coin"]
            received = sum(
                Decimal(r["delta"]["usdc"]) for r in funding if r["delta"]["coin"] == coin
            )
            assert Decimal(p["position"]["cumFunding"]["allTime"]) == -received


def test_portfolio_windows_span_and_resolution_and_closes_match_ground_truth(handle, info):
    """Each window runs from now - span (allTime: the first day) to now with a point at the end
    of every period of its resolution; every day close is the ground truth's account value to
    the cent, and the PnL between two closes is that day's PnL net of flows."""
    sim = handle.sim
    user = sim.accounts[0][0]
    by_name = dict(info.post("/info", {"type": "portfolio", "user": user}))
    truth = sim.ground_truth_account_daily(sim.origin, NOW - NOW % DAY - 1)
    truth = truth[truth["account"] == user].reset_index(drop=True)
    for name, span, step in [
        ("perpWeek", 7 * DAY, HOUR),
        ("perpMonth", 30 * DAY, 4 * HOUR),
        ("perpAllTime", None, DAY),
    ]:
        times = [t for t, _ in by_name[name]["accountValueHistory"]]
        start = sim.origin if span is None else max(sim.origin, NOW - span)
        assert times[0] == start and times[-1] == NOW, name
        inner = times[1:-1]
        assert inner == list(range(inner[0], NOW, step)) and (inner[0] + 1) % step == 0, name
        assert inner[0] - start < step, name
    history = by_name["perpAllTime"]
    closes = {t: float(v) for t, v in history["accountValueHistory"] if (t + 1) % DAY == 0}
    pnl = {t: float(p) for t, p in history["pnlHistory"] if (t + 1) % DAY == 0}
    ends = sorted(closes)
    assert len(ends) == len(truth) == 5
    for end, row in zip(ends, truth.itertuples()):
        assert abs(closes[end] - float(row.account_value_close)) < 0.005
    for prev, end, row in zip(ends, ends[1:], truth.iloc[1:].itertuples()):
        day_pnl = row.account_value_close - row.account_value_open - row.net_flows
        assert abs(pnl[end] - pnl[prev] - float(day_pnl)) < 0.005
