"""Every fault switch of the simulator visibly does what it says, over real HTTP with the SDK."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from hyperliquid.info import Info
from hyperliquid.utils.error import ServerError
from maicro.hyperliquid.simulator import SimConfig, start_simulator

NOW = int(datetime(2025, 11, 25, 13, 17, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture(scope="module")
def handle():
    with start_simulator(SimConfig(seed=5, now_ms=NOW, days=2, rate_limit=False)) as h:
        yield h


@pytest.fixture
def info(handle):
    handle.set_faults()  # every test starts with all switches off
    yield Info(base_url=handle.url, skip_ws=True)
    handle.set_faults()


def user(handle) -> str:
    return handle.sim.accounts[0][0]


def test_latency(handle, info):
    t = time.perf_counter()
    info.all_mids()
    fast = time.perf_counter() - t
    handle.set_faults(latency_ms=300)
    t = time.perf_counter()
    info.all_mids()
    assert time.perf_counter() - t >= 0.3 > fast


def test_5xx_next_n_then_healthy(handle, info):
    handle.set_faults(http_5xx="next:2", http_5xx_status=503)
    for _ in range(2):
        with pytest.raises(ServerError) as err:
            info.user_state(user(handle))
        assert err.value.status_code == 503
    assert "marginSummary" in info.user_state(user(handle))


def test_timeout_holds_past_the_client_timeout(handle, info):
    handle.set_faults(timeout="next:1", timeout_ms=2000)
    impatient = Info(
        base_url=handle.url,
        skip_ws=True,
        meta={"universe": []},
        spot_meta={"universe": [], "tokens": []},
        timeout=0.3,
    )
    with pytest.raises(requests.Timeout):
        impatient.all_mids()
    assert "BTC" in impatient.all_mids()


def test_truncated_and_malformed_json(handle, info):
    handle.set_faults(truncated_json="next:1")
    answer = info.user_fills(user(handle))
    assert isinstance(answer, dict) and answer["error"].startswith("Could not parse JSON")
    handle.set_faults(malformed_json="next:1")
    r = requests.post(handle.url + "/info", json={"type": "allMids"})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.text)
    assert isinstance(info.user_fills(user(handle)), list)


def test_unknown_extra_fields(handle, info):
    handle.set_faults(extra_fields="always")
    fills = info.user_fills(user(handle))
    funding = info.user_funding_history(user(handle), NOW - 3_600_000 * 5)
    state = info.user_state(user(handle))
    assert all("simUnknownField" in f for f in fills)
    assert all("simUnknownField" in r["delta"] for r in funding)
    assert "simUnknownField" in state["marginSummary"]
    assert set(info.all_mids()) == set(handle.sim.market.names), "a mids map only names coins"
    handle.set_faults()
    assert not any("simUnknownField" in f for f in info.user_fills(user(handle))), (
        "the stored records were not modified"
    )


def test_exotic_coins_appear_and_move_no_money(handle, info):
    before = info.user_fills_by_time(user(handle), NOW - 6 * 3_600_000, NOW)
    handle.set_faults(exotic_coins="always")
    fills = info.user_fills_by_time(user(handle), NOW - 6 * 3_600_000, NOW)
    coins = {f["coin"] for f in fills}
    assert {"xyz:XYZ100", "@107"} <= coins
    exotic = [f for f in fills if f["coin"] in ("xyz:XYZ100", "@107")]
    assert all(Decimal(f["closedPnl"]) == 0 and Decimal(f["fee"]) == 0 for f in exotic)
    assert [f for f in fills if f not in exotic] == before
    positions = {p["position"]["coin"] for p in info.user_state(user(handle))["assetPositions"]}
    assert "xyz:XYZ100" in positions
    mids = info.all_mids()
    assert "@107" in mids and "xyz:XYZ100" in mids


def test_switches_over_http_and_rate_triggers_are_reproducible(handle, info):
    r = requests.post(handle.url + "/sim/faults", json={"http_5xx": "rate:0.5"})
    assert r.json()["http_5xx"] == "rate:0.5"
    first = [
        requests.post(handle.url + "/info", json={"type": "allMids"}).status_code for _ in range(20)
    ]
    requests.post(handle.url + "/sim/faults", json={"http_5xx": "rate:0.5"})  # counters restart
    second = [
        requests.post(handle.url + "/info", json={"type": "allMids"}).status_code for _ in range(20)
    ]
    assert first == second and set(first) == {200, 500}
    requests.post(handle.url + "/sim/faults", json={"reset": True})
    assert requests.get(handle.url + "/sim/faults").json()["http_5xx"] == "off"
    r = requests.post(handle.url + "/sim/faults", json={"no_such_switch": 1})
    assert r.status_code == 422 and "no_such_switch" in r.text
