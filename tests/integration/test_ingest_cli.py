"""`maicro ingest` as a user runs it: a window, a progress bar, totals, and one-line errors."""

from __future__ import annotations

import pytest
from maicro.hyperliquid.simulator import SimConfig, start_simulator

from tests.conftest import run_maicro
from tests.integration._ingest_support import (
    NOW,
    assert_close,
    expected_fills_from_records,
    keyed,
    query,
    sim_env,
    stored_daily_fills,
)

HOUR = 3_600_000


@pytest.fixture
def sim(fresh_clickhouse, monkeypatch):
    with start_simulator(
        SimConfig(seed=9, n_accounts=2, days=1, now_ms=NOW, rate_limit=False)
    ) as handle:
        yield handle, sim_env(handle, monkeypatch)


def test_ingest_one_account_over_a_window(sim, fresh_clickhouse):
    handle, env = sim
    account = handle.sim.accounts[1][0]
    result = run_maicro(
        "ingest",
        "--start",
        "2026-03-09T18:00:00Z",
        "--end",
        "2026-03-10T06:00Z",
        "--account",
        account.upper().replace("0X", "0x"),
        "--chunk",
        "6h",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    from maicro.ingest.run import STEPS

    steps = 2 * len(STEPS)  # 2 chunks x every data type
    assert "2/2" not in result.stderr and f"{steps}/{steps}" in result.stderr
    assert "fills:" in result.stdout and "0 quarantined" in result.stdout
    start, end = NOW - 18 * HOUR, NOW - 6 * HOUR
    expected = {
        k: v
        for k, v in expected_fills_from_records(handle.sim, start, end).items()
        if k[0] == account
    }
    assert expected
    assert_close(
        keyed(
            stored_daily_fills(fresh_clickhouse),
            ["n_fills", "realized_pnl_gross", "fees", "volume_usd"],
        ),
        expected,
    )
    runs = query(
        fresh_clickhouse,
        "SELECT DISTINCT toUnixTimestamp64Milli(window_start) AS s "
        "FROM maicro_monitors.ingest_runs ORDER BY s",
    )
    assert runs["s"].tolist() == [start, start + 6 * HOUR]
    mapping = query(
        fresh_clickhouse, "SELECT account, strategy FROM maicro_logs.account_strategies FINAL"
    )
    assert mapping.values.tolist() == [list(handle.sim.accounts[1])]


def test_a_reassigned_account_is_recorded_from_the_exchanges_time(sim, fresh_clickhouse):
    """A run records each account's strategy once; an unchanged mapping adds nothing, a changed
    one adds a row from the exchange's clock at the run, so earlier data keeps its strategy."""
    handle, env = sim
    (first, first_strategy), (second, second_strategy) = handle.sim.accounts
    window = ("--start", "2026-03-09T18:00:00Z", "--end", "2026-03-09T19:00Z", "--only", "funding")
    history = (
        "SELECT account, strategy, toUnixTimestamp64Milli(valid_from) AS valid_from "
        "FROM maicro_logs.account_strategies FINAL ORDER BY account, valid_from"
    )
    for _ in range(2):
        assert run_maicro("ingest", *window, env=env).returncode == 0
        assert sorted(query(fresh_clickhouse, history).values.tolist()) == sorted(
            [[first, first_strategy, 0], [second, second_strategy, 0]]
        )

    before = handle.sim.now_ms()
    moved = {**env, "MAICRO_ACCOUNTS": f"{first}={first_strategy},{second}={first_strategy}"}
    result = run_maicro("ingest", *window, env=moved)
    assert result.returncode == 0, result.stderr
    rows = query(fresh_clickhouse, history)
    second_rows = rows[rows["account"] == second].values.tolist()
    assert second_rows[0] == [second, second_strategy, 0] and len(second_rows) == 2
    assert second_rows[1][1] == first_strategy
    assert before <= second_rows[1][2] <= handle.sim.now_ms()
    assert run_maicro("ingest", *window, env=moved).returncode == 0
    assert len(query(fresh_clickhouse, history)) == 3


def test_bad_window_gives_one_line(sim):
    _, env = sim
    result = run_maicro("ingest", "--start", "2026-03-10", "--end", "2026-03-09", env=env)
    assert result.returncode == 1
    assert "is not after its start" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, words",
    [
        (["--start", "last tuesday", "--end", "2026-03-09"], "is not an ISO-8601 time"),
        (
            ["--start", "2026-03-09", "--end", "2026-03-10", "--account", "0x" + "9" * 40],
            "is not in MAICRO_ACCOUNTS",
        ),
        (
            ["--start", "2026-03-09", "--end", "2026-03-10", "--only", "fills,trades"],
            "unknown data type(s) trades",
        ),
        (
            ["--start", "2026-03-09", "--end", "2026-03-10", "--chunk", "fortnight"],
            "is not a duration",
        ),
    ],
)
def test_bad_arguments_are_named(sim, capsys, args, words):
    """The same command in-process (`maicro.cli.main`), to keep the suite fast."""
    from maicro.cli import main

    assert main(["ingest", *args]) == 1
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


def test_unreachable_api_fails_with_the_reason(sim, fresh_clickhouse, monkeypatch, capsys):
    from maicro.cli import main

    for key, value in {
        "HYPERLIQUID_API_URL": "http://127.0.0.1:9",
        "MAICRO_HL_MAX_ATTEMPTS": "2",
        "MAICRO_HL_TIMEOUT_S": "1",
    }.items():
        monkeypatch.setenv(key, value)
    assert (
        main(
            [
                "ingest",
                "--start",
                "2026-03-09T00:00Z",
                "--end",
                "2026-03-09T01:00Z",
                "--only",
                "fills",
                "--quiet",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    # one line naming the endpoint, what happened and what to check
    assert err.strip().count("\n") == 0, err
    assert "127.0.0.1:9 refuses connections" in err and "HYPERLIQUID_API_URL" in err
    runs = query(fresh_clickhouse, "SELECT status FROM maicro_monitors.ingest_runs")
    assert set(runs["status"]) == {"failed"}
