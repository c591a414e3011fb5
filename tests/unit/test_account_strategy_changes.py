"""Which rows ingestion adds to the account→strategy history (maicro.ingest.strategies.changes)."""

from __future__ import annotations

from maicro.ingest.strategies import FROM_THE_START_MS, changes


class Clock:
    """The exchange's clock, counting how often it is asked (it costs an API request)."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms, self.calls = now_ms, 0

    def __call__(self) -> int:
        self.calls += 1
        return self.now_ms


def test_a_new_account_runs_its_strategy_from_the_start():
    clock = Clock(1_000)
    assert changes([("0xa", "momentum")], {}, clock) == [("0xa", "momentum", FROM_THE_START_MS)]
    assert clock.calls == 0


def test_an_unchanged_mapping_adds_nothing_and_asks_no_clock():
    clock = Clock(1_000)
    assert changes([("0xa", "momentum"), ("0xb", "")], {"0xa": "momentum", "0xb": ""}, clock) == []
    assert clock.calls == 0


def test_re_assignments_start_at_the_exchanges_time_asked_once():
    clock = Clock(1_700_000_000_000)
    rows = changes(
        [("0xa", "carry"), ("0xb", "carry"), ("0xc", "momentum")],
        {"0xa": "momentum", "0xb": "momentum"},
        clock,
    )
    assert rows == [
        ("0xa", "carry", 1_700_000_000_000),
        ("0xb", "carry", 1_700_000_000_000),
        ("0xc", "momentum", FROM_THE_START_MS),
    ]
    assert clock.calls == 1


def test_dropping_a_strategy_is_a_change_too():
    assert changes([("0xa", "")], {"0xa": "momentum"}, Clock(5)) == [("0xa", "", 5)]
