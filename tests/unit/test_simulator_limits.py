"""Fault triggers, the weight budget, the clock and exact decimals of the simulator."""

from __future__ import annotations

import pytest
from maicro.hyperliquid.simulator.clock import SimClock
from maicro.hyperliquid.simulator.decimals import fmt_scaled, parse_time, round_div, round_px
from maicro.hyperliquid.simulator.faults import Faults, Trigger
from maicro.hyperliquid.simulator.ratelimit import RateLimiter, base_weight, extra_weight


def fires(spec, n=8, seed=1):
    t = Trigger.parse(spec)
    return [t.fires("x", seed) for _ in range(n)]


def test_triggers():
    assert fires("off") == [False] * 8
    assert fires(True) == [True] * 8
    assert fires("next:2") == [True, True] + [False] * 6
    assert fires({"every": 3}) == [False, False, True] * 2 + [False, False]
    rate = fires("rate:0.5", n=200)
    assert 60 < sum(rate) < 140 and rate == fires(0.5, n=200)
    for bad in ("sometimes", "every:0", "rate:2", 3):
        with pytest.raises(ValueError):
            Trigger.parse(bad)


def test_fault_switches_and_reset():
    f = Faults(seed=1, http_5xx="next:1", latency_ms=50)
    d1, d2 = f.decide(), f.decide()
    assert d1.error_status == 500 and d2.error_status is None and d1.latency_ms == 50
    f.set(reset=True)
    assert f.describe()["latency_ms"] == 0 and f.describe()["http_5xx"] == "off"
    with pytest.raises(ValueError, match="unknown fault switch"):
        f.set(bogus=True)


def test_weight_budget_refills_over_wall_time():
    now = [0.0]
    rl = RateLimiter(1200, clock=lambda: now[0])
    assert all(rl.try_acquire("a", 20) for _ in range(60))
    assert not rl.try_acquire("a", 20)
    assert rl.try_acquire("b", 20), "the budget is per client IP"
    now[0] += 1.0  # 20 weight per second come back
    assert rl.try_acquire("a", 20) and not rl.try_acquire("a", 20)
    rl.charge("a", 100)  # item weight may drive the bucket negative
    now[0] += 4.0
    assert not rl.try_acquire("a", 20)
    assert base_weight("allMids") == 2 and base_weight("userFills") == 20
    assert extra_weight("userFillsByTime", 2000) == 100 and extra_weight("candleSnapshot", 120) == 2
    assert RateLimiter(enabled=False).try_acquire("a", 10**9)


def test_clock_modes():
    wall = [100.0]
    c = SimClock(1_000_000, speed=0, wall=lambda: wall[0])
    wall[0] += 10
    assert c.now_ms() == 1_000_000 and c.mode == "frozen"
    c.set_speed(1440)
    wall[0] += 60
    assert c.now_ms() == 1_000_000 + 86_400_000 and c.mode == "accelerated"
    c.set_now(5)
    assert c.now_ms() == 5


def test_exact_decimal_strings():
    assert fmt_scaled(125, 2) == "1.25" and fmt_scaled(-3, 3) == "-0.003"
    assert fmt_scaled(100_000_000, 6) == "100.0" and fmt_scaled(0, 6) == "0.0"
    assert round_div(-5, 2) == -3 and round_div(5, 2) == 3 and round_div(4, 3) == 1
    assert round_px(95123.4, 5) == 95123 and round_px(3.456789, 2) == 3.4568
    assert parse_time("2025-01-01T00:00:00Z") == 1735689600000 == parse_time("1735689600000")
