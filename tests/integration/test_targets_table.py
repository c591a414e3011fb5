"""Targets from a ClickHouse table a strategy writes itself (MAICRO_TARGETS_TABLE): a producer
thread logs signed notionals while ingest runs window after window; every good row lands as
notional / account value (the simulator's own figure), bad rows are quarantined with their reason,
and re-running a window changes nothing."""

from __future__ import annotations

import math
import threading

import pytest
import requests
from maicro.hyperliquid.simulator import SimConfig, start_simulator
from maicro.ingest.run import run_window
from maicro.ingest.window import Window

from tests.integration._ingest_support import NOW, empty_tables, query, sim_env

CONFIG = SimConfig(seed=5, n_accounts=2, days=1, now_ms=NOW, fills_per_day=50, rate_limit=False)
TABLE = "maicro_logs.strategy_target_log"
MINUTE = 60_000
WINDOWS = [Window(NOW + i * MINUTE, NOW + (i + 1) * MINUTE) for i in range(3)]


def account_value(handle, address: str) -> float:
    answer = requests.post(
        f"{handle.url}/info", json={"type": "clearinghouseState", "user": address}, timeout=5
    ).json()
    return float(answer["marginSummary"]["accountValue"])


def produce(pair, strategies: list[str], window: Window, done: threading.Event) -> None:
    """The strategy: logs its book once per 15 s of the window, plus two rows it got wrong."""
    client = pair.client("local")
    rows = []
    for k, ts in enumerate(range(window.start_ms, window.end_ms, 15_000)):
        for strategy in strategies:
            rows += [(strategy, ts, "BTC", 1_000.0 * (k + 1)), (strategy, ts, "ETH", -250.5 * k)]
    rows += [
        ("nobody", window.start_ms, "BTC", 10.0),
        (strategies[0], window.start_ms + 1, "", 5.0),
    ]
    for row in rows:  # one insert per row: the pipeline may read between any two of them
        client.insert(TABLE, [row], column_names=["strat", "logged_at_ms", "symbol", "signed_usd"])
    client.close()
    done.set()


@pytest.fixture(scope="module")
def played(clickhouse_pair):
    with start_simulator(CONFIG) as handle, pytest.MonkeyPatch.context() as mp:
        empty_tables(clickhouse_pair)
        admin = clickhouse_pair.client("local")
        admin.command(f"DROP TABLE IF EXISTS {TABLE}")
        admin.command(
            f"CREATE TABLE {TABLE} (strat String, logged_at_ms Int64, symbol String,"
            " signed_usd Float64, logged_at DateTime64(3, 'UTC') MATERIALIZED"
            " fromUnixTimestamp64Milli(logged_at_ms, 'UTC')) ENGINE = MergeTree ORDER BY logged_at_ms"
        )
        admin.command("TRUNCATE TABLE maicro_monitors.quarantine")
        sim_env(
            handle,
            mp,
            MAICRO_TARGETS_URL="",
            MAICRO_TARGETS_TABLE=TABLE,
            MAICRO_TARGETS_TABLE_COLUMNS="strategy=strat,ts=logged_at,coin=symbol,notional=signed_usd",
        )
        run_window(Window(NOW - MINUTE, NOW + 1), ("snapshots",))  # the account values
        strategies = sorted({s for _, s in handle.sim.accounts})
        for window in WINDOWS:  # the strategy writes while the pipeline reads
            done = threading.Event()
            producer = threading.Thread(
                target=produce, args=(clickhouse_pair, strategies, window, done)
            )
            producer.start()
            while not done.is_set():
                run_window(window, ("targets",))
            producer.join()
            run_window(window, ("targets",))  # the window's closing run sees every row
        values = {s: account_value(handle, a) for a, s in handle.sim.accounts}
        yield {"pair": clickhouse_pair, "values": values, "strategies": strategies}
        admin.command(f"DROP TABLE IF EXISTS {TABLE}")
        admin.close()


def stored(pair):
    return query(
        pair,
        "SELECT strategy, toUnixTimestamp64Milli(ts) AS ts, coin, target_weight, source "
        "FROM maicro_logs.target_weights FINAL ORDER BY strategy, ts, coin",
    ).values.tolist()


def test_every_good_row_lands_as_notional_over_account_value(played):
    expected = []
    for strategy in played["strategies"]:
        for window in WINDOWS:
            for k, ts in enumerate(range(window.start_ms, window.end_ms, 15_000)):
                for coin, usd in (("BTC", 1_000.0 * (k + 1)), ("ETH", -250.5 * k)):
                    expected.append((strategy, ts, coin, usd / played["values"][strategy]))
    rows = stored(played["pair"])
    assert [tuple(r[:3]) for r in rows] == [e[:3] for e in sorted(expected)]
    for row, want in zip(rows, sorted(expected), strict=True):
        assert math.isclose(row[3], want[3], rel_tol=1e-12), row
        assert row[4] == TABLE


def test_bad_rows_are_quarantined_and_named(played):
    bad = query(
        played["pair"],
        "SELECT DISTINCT source, reason FROM maicro_monitors.quarantine "
        "WHERE data_type = 'target_weights' ORDER BY reason",
    ).values.tolist()
    reasons = [reason for _, reason in bad]
    assert {source for source, _ in bad} == {TABLE}
    assert len(reasons) == 2
    assert reasons[0] == "empty coin"
    assert reasons[1].startswith("unknown strategy 'nobody'")


def test_rerunning_a_window_changes_nothing(played):
    before = stored(played["pair"])
    run_window(WINDOWS[1], ("targets",))
    assert stored(played["pair"]) == before


@pytest.mark.parametrize(
    ("columns", "named"),
    [
        ("strategy=s,ts=t,coin=c", "exactly one of target_weight or notional"),
        ("strategy=s,ts=t,coin=c,target_weight=w,notional=n", "exactly one of"),
        ("strategy=s,ts=t,coin=c,weight=w", "bad pair 'weight=w'"),
        ("strategy=s;drop,ts=t,coin=c,target_weight=w", "bad pair 'strategy=s;drop'"),
    ],
)
def test_a_bad_column_mapping_is_named_in_one_line(monkeypatch, columns, named):
    from maicro.errors import MaicroError
    from maicro.ingest import target_table

    monkeypatch.setenv("MAICRO_TARGETS_TABLE_COLUMNS", columns)
    with pytest.raises(MaicroError, match=named) as caught:
        target_table.column_mapping()
    assert "\n" not in str(caught.value)
