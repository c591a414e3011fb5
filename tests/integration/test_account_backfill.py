"""A backfill: eight simulated days of history with snapshots on the last day only.

The exchange keeps no past snapshot, so fct_account_daily derives every earlier close backward
from the first snapshot (close(D) = close(D+1) - total_pnl(D+1) - net_flows(D+1)), and
fct_reconciliation_daily checks those derived closes against the exchange's own portfolio
history (ingested as `hyperliquid.portfolio_history`, answered by the simulator from its ground
truth). Checked against the simulator's ground truth (money to the cent) and pandas (returns
to 1e-9), through a sequence of real incremental dbt builds:

1. days 0-4 without any snapshot: the exchange's history anchors the values;
2. days 5-7 arrive with one snapshot at the end of day 7: days 0-6 are derived backward;
3. a snapshot at the end of day 3 arrives late: it becomes the first snapshot, and the build
   re-derives days 0-2 backward from it and 4-6 forward; a --full-refresh gives the same tables;
4. the exchange's value of one backfilled day is tampered with (+12.34 USD): that day, and only
   it, is unreconciled, with residual 12.34.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import run_maicro
from tests.integration.test_dbt_incremental import assert_same
from tests.integration.test_dbt_marts import (
    CENT,
    DAY_MS,
    ORIGIN,
    account_rows_match,
    assert_returns_match,
    reset_cloud,
)

pytestmark = pytest.mark.slow  # five dbt builds: ~3-4 minutes on 2 cores

N_DAYS = 8
NOW = ORIGIN + N_DAYS * DAY_MS
FIRST_PART = 5  # days [0, 5) are loaded and built first, without snapshots
LATE_SNAPSHOT_DAY = 3
TAMPERED_DAY = 1
TAMPER_USD = 12.34
BUILT = (
    "fct_account_daily",
    "fct_reconciliation_daily",
    "int_accounts_reported_eod",
)
KEYS = {
    "fct_account_daily": ["account", "day"],
    "fct_reconciliation_daily": ["account", "day"],
    "int_accounts_reported_eod": ["account", "day"],
}


def end_of(day: int) -> int:
    return ORIGIN + (day + 1) * DAY_MS - 1


def read(client) -> dict[str, pd.DataFrame]:
    out = {}
    for table, keys in KEYS.items():
        df = client.query_df(f"SELECT * FROM analytics.{table}")
        df = df.drop(columns=[c for c in df.columns if c == "max_ingested_at"])
        out[table] = df.sort_values(keys).reset_index(drop=True)
    return out


def load_part(sim, client, first_day: int, end_day: int) -> None:
    """History of days [first_day, end_day) and the portfolio history the exchange would give
    at the end of the last of them (only its points inside those days)."""
    from maicro.devtools import sim_load

    start, end = ORIGIN + first_day * DAY_MS, ORIGIN + end_day * DAY_MS
    sim_load.load_history(sim, client, start, end)
    assert sim_load.load_portfolio(sim, client, end - 1, start, end) > 0


@pytest.fixture(scope="module")
def stages(clickhouse_pair, tmp_path_factory):
    from maicro.devtools import sim_load
    from maicro.hyperliquid.simulator import SimConfig, Simulator

    sim = Simulator(SimConfig(seed=5, now_ms=NOW, days=N_DAYS))
    client = clickhouse_pair.client("cloud", "admin")
    reset_cloud(client)
    env = {"DBT_TARGET_PATH": str(tmp_path_factory.mktemp("dbt-target"))}
    out: dict = {"sim": sim, "client": client}

    load_part(sim, client, 0, FIRST_PART)
    run_maicro("transform", "--no-tests", env=env, check=True, timeout=900)
    out["no_snapshot"] = read(client)

    load_part(sim, client, FIRST_PART, N_DAYS)
    sim_load.load_snapshots(sim, client, [end_of(N_DAYS - 1)])
    run_maicro("transform", env=env, check=True, timeout=900)  # with every dbt test
    out["backfill"] = read(client)

    sim_load.load_snapshots(sim, client, [end_of(LATE_SNAPSHOT_DAY)])
    run_maicro("transform", "--no-tests", env=env, check=True, timeout=900)
    out["incremental"] = read(client)
    run_maicro("transform", "--full-refresh", "--no-tests", env=env, check=True, timeout=900)
    out["full"] = read(client)

    tamper(client, sim.accounts[0][0], end_of(TAMPERED_DAY), TAMPER_USD)
    run_maicro("transform", "--no-tests", env=env, check=True, timeout=900)
    out["tampered"] = read(client)
    yield out
    client.close()


def tamper(client, account: str, point_ms: int, usd: float) -> None:
    """Re-ingest the exchange's points at `point_ms` (every window) with `usd` added."""
    rows = client.query(
        "SELECT account, window, point_at, account_value, pnl FROM hyperliquid.portfolio_history "
        "FINAL WHERE account = {a:String} AND point_at = fromUnixTimestamp64Milli({t:Int64})",
        parameters={"a": account, "t": point_ms},
    ).result_rows
    assert rows
    client.insert(
        "hyperliquid.portfolio_history",
        [(a, w, p, v + usd, pnl) for a, w, p, v, pnl in rows],
        column_names=["account", "window", "point_at", "account_value", "pnl"],
    )


def truth(sim, last_day: int = N_DAYS - 1) -> pd.DataFrame:
    return sim.ground_truth_account_daily(ORIGIN, end_of(last_day))


def mart_joined(sim, tables, last_day: int = N_DAYS - 1) -> pd.DataFrame:
    """fct_account_daily of one stage joined to the ground truth (checked to the cent)."""
    return account_rows_match(truth(sim, last_day), tables["fct_account_daily"])


def days(indexes) -> set:
    return {pd.Timestamp(ORIGIN + d * DAY_MS, unit="ms").date() for d in indexes}


def by_day(df: pd.DataFrame, column: str) -> dict:
    return {(a, pd.Timestamp(d).date()): v for a, d, v in zip(df["account"], df["day"], df[column])}


def test_without_snapshots_the_exchange_history_anchors_every_day(stages):
    joined = mart_joined(stages["sim"], stages["no_snapshot"], FIRST_PART - 1)
    assert set(joined["account_value_source"]) == {"exchange_history"}
    rec = stages["no_snapshot"]["fct_reconciliation_daily"]
    # day 0 has no independent open; days 1-4 check the identity between exchange closes
    assert len(rec) == 2 * (FIRST_PART - 1) and rec["is_reconciled"].astype(bool).all()


def test_backward_derived_closes_equal_ground_truth_to_the_cent(stages):
    joined = mart_joined(stages["sim"], stages["backfill"])
    last = days([N_DAYS - 1])
    source = joined.set_index("day")["account_value_source"]
    assert set(source[source.index.isin(last)]) == {"snapshot"}
    assert set(source[~source.index.isin(last)]) == {"derived_backward"}
    worst = (joined["account_value_close_truth"] - joined["account_value_close"]).abs().max()
    print(f"backward-derived close vs ground truth: worst |diff| = {worst:.3e} USD")
    assert worst < CENT
    # the exchange's history covers every day's close, and says the same
    exchange = joined["exchange_account_value_close"].astype(float)
    assert exchange.notna().all()
    assert (exchange - joined["account_value_close_truth"]).abs().max() < CENT


def test_returns_and_drawdown_equal_pandas_and_are_null_until_known(stages):
    joined = mart_joined(stages["sim"], stages["backfill"])
    worst = assert_returns_match(joined)
    print(f"returns/cumulative/drawdown vs pandas: worst |diff| = {worst:.3e}")
    first = joined[joined["day"].isin(days([0]))]
    # the account opened with a deposit on day 0: no return, so no cumulative or drawdown either
    assert first["daily_return"].isna().all() and first["cumulative_return"].isna().all()
    assert first["drawdown"].isna().all()
    later = joined[~joined["day"].isin(days([0]))]
    assert later["cumulative_return"].notna().all() and later["drawdown"].notna().all()


def test_backfilled_days_reconcile_against_the_exchange_history(stages):
    rec = stages["backfill"]["fct_reconciliation_daily"]
    # days 0-6 are checked against the exchange; day 7 (the first snapshot) has no row: its
    # open is derived backward from it
    assert set(rec["close_source"]) == {"exchange_history"}
    assert len(rec) == 2 * (N_DAYS - 1)
    assert not (rec["day"].map(lambda d: pd.Timestamp(d).date()).isin(days([N_DAYS - 1]))).any()
    print(f"exchange_history residuals: worst |residual| = {rec['residual'].abs().max():.3e} USD")
    assert rec["is_reconciled"].astype(bool).all()


def test_a_late_first_snapshot_re_derives_history_and_equals_a_full_refresh(stages):
    sim = stages["sim"]
    joined = mart_joined(sim, stages["incremental"])
    source = by_day(joined, "account_value_source")
    expected = {
        **dict.fromkeys(days(range(LATE_SNAPSHOT_DAY)), "derived_backward"),
        **dict.fromkeys(days([LATE_SNAPSHOT_DAY, N_DAYS - 1]), "snapshot"),
        **dict.fromkeys(days(range(LATE_SNAPSHOT_DAY + 1, N_DAYS - 1)), "derived_forward"),
    }
    assert {(a, d): expected[d] for a, d in source} == source
    assert_returns_match(joined)
    rec = stages["incremental"]["fct_reconciliation_daily"]
    sources = by_day(rec, "close_source")
    assert {s for (_, d), s in sources.items() if d in days([N_DAYS - 1])} == {"snapshot"}
    assert not any(d in days([LATE_SNAPSHOT_DAY]) for _, d in sources)  # the new first anchor
    assert rec["is_reconciled"].astype(bool).all()
    incremental, full = stages["incremental"], stages["full"]
    assert_same(
        {t: incremental[t] for t in BUILT},
        {t: full[t] for t in BUILT},
        tables=BUILT,
    )


def test_a_tampered_exchange_history_leaves_one_day_unreconciled_by_the_amount(stages):
    rec = stages["tampered"]["fct_reconciliation_daily"]
    bad = rec[~rec["is_reconciled"].astype(bool)]
    assert len(bad) == 1
    row = bad.iloc[0]
    assert row["account"] == stages["sim"].accounts[0][0]
    assert pd.Timestamp(row["day"]).date() in days([TAMPERED_DAY])
    assert row["close_source"] == "exchange_history"
    print(f"tampered day residual = {row['residual']!r} USD")
    assert abs(row["residual"] - TAMPER_USD) < 1e-6
    # the tampered value is reported, never used: account values are unchanged
    before = stages["full"]["fct_account_daily"]["account_value_close"]
    after = stages["tampered"]["fct_account_daily"]["account_value_close"]
    assert (before - after).abs().max() < 1e-9
