"""Windows are explicit and well-formed; the weight budget never lets a minute exceed the limit."""

from __future__ import annotations

import pytest
from maicro.errors import MaicroError
from maicro.hyperliquid import weights
from maicro.ingest.window import Window, to_ms
from maicro.settings import parse_duration_ms

DAY = 86_400_000


def test_window_parsing_and_chunks():
    w = Window.of("2025-05-01", "2025-05-03T12:00:00Z")
    assert w.start_ms == 1_746_057_600_000 and w.end_ms - w.start_ms == 2.5 * DAY
    chunks = w.chunks(DAY)
    assert [c.end_ms - c.start_ms for c in chunks] == [DAY, DAY, DAY // 2]
    assert chunks[0].start_ms == w.start_ms and chunks[-1].end_ms == w.end_ms
    assert to_ms("1746057600000") == 1_746_057_600_000
    assert parse_duration_ms("30m") == 1_800_000


@pytest.mark.parametrize(
    "start, end, message",
    [
        ("2025-05-02", "2025-05-01", "not after its start"),
        ("yesterday", "2025-05-01", "not an ISO-8601 time"),
    ],
)
def test_bad_windows_are_named(start, end, message):
    with pytest.raises(MaicroError, match=message):
        Window.of(start, end)


def test_weights_follow_the_documented_table():
    assert weights.request_weight("clearinghouseState") == 2
    assert weights.request_weight("userFillsByTime") == 20
    assert weights.response_weight("userFillsByTime", 2000) == 20 + 100
    assert weights.response_weight("candleSnapshot", 5000) == 20 + 83
    assert weights.response_weight("userFunding", 500) == 45


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_budget_stays_under_the_exchange_bucket_and_wastes_little():
    clock = FakeClock()
    budget = weights.WeightBudget(1200, clock=clock, sleep=clock.sleep)
    sent = []
    for i in range(300):
        reserve = 120 if i % 3 == 0 else 20
        token = budget.acquire(reserve)
        actual = reserve - 7 if reserve > 20 else reserve  # a short page costs less
        sent.append((clock.now, actual))
        budget.settle(token, actual)
    # Token bucket (1200 at once, then 1200/61 s): every interval [a, b] holds at most that.
    rate = 1200 / budget.window_s
    times = [t for t, _ in sent]
    for i, a in enumerate(times):
        for j in range(i, len(times), 7):
            spent = sum(w for t, w in sent[i : j + 1])
            assert spent <= 1200 + rate * (times[j] - a) + 1e-6
    total = sum(w for _, w in sent)
    elapsed = times[-1] - times[0]
    # ... and it is as fast as the limit allows (within the 61/60 safety margin).
    assert elapsed <= weights.minimum_seconds(total) * 61 / 60 * 1.02


def test_budget_is_shared_through_its_ledger_file(tmp_path):
    clock = FakeClock()
    a = weights.WeightBudget(100, clock=clock, sleep=clock.sleep, ledger_path=tmp_path / "l.json")
    b = weights.WeightBudget(100, clock=clock, sleep=clock.sleep, ledger_path=tmp_path / "l.json")
    a.settle(a.acquire(80), 80)
    start = clock.now
    b.settle(b.acquire(40), 40)  # 20 left in the shared bucket: b waits for 20 more to refill
    assert clock.now - start == pytest.approx(20 / (100 / a.window_s))


def test_zero_budget_means_unlimited_but_counted():
    budget = weights.WeightBudget(0)
    for _ in range(10):
        budget.settle(budget.acquire(10_000), 10_000)
    assert budget.spent == 100_000
