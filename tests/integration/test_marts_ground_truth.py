"""End to end: the simulator (7 days, over HTTP) → `maicro ingest` → `maicro replicate` →
`maicro transform` → every mart checked against the simulator's ground truth (money to the cent)
and against the same definitions in pandas (weights and tracking error to 1e-9).

Each day is ingested with the simulator's clock frozen at the day's last millisecond, so the
live snapshots land exactly where the ground truth values the end of the day.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.integration.test_dbt_marts import (
    CENT,
    DAY_MS,
    ORIGIN,
    as_float,
    assert_account_daily_matches,
    expected_positions_vs_targets,
    frame,
)

pytestmark = pytest.mark.slow  # 7 ingest runs over HTTP + replicate + one dbt build: ~2-3 min

N_DAYS = 7
NOW = ORIGIN + N_DAYS * DAY_MS


@pytest.fixture(scope="module")
def pipeline(clickhouse_pair, simulated_pipeline):
    sim, _ = simulated_pipeline(seed=21, origin_ms=ORIGIN, days=N_DAYS)
    truth = sim.sim.ground_truth_daily(ORIGIN, NOW - 1)
    truth_accounts = sim.sim.ground_truth_account_daily(ORIGIN, NOW - 1)
    client = clickhouse_pair.client("cloud", "admin")
    yield client, truth, truth_accounts
    client.close()


def test_pnl_daily_matches_ground_truth_to_the_cent(pipeline):
    client, truth, _ = pipeline
    truth = as_float(
        truth.copy(), ["realized_pnl_gross", "fees", "funding", "unrealized_pnl_eod", "volume_usd"]
    )
    truth["day"] = pd.to_datetime(truth["day"]).dt.date
    mart = frame(client, "SELECT * FROM analytics.fct_pnl_daily")
    joined = truth.merge(
        mart, on=["account", "day", "coin"], how="outer", suffixes=("_truth", ""), indicator=True
    )
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"]
    for col in ("realized_pnl_gross", "fees", "funding", "unrealized_pnl_eod", "volume_usd"):
        worst = (joined[f"{col}_truth"] - joined[col]).abs().max()
        assert worst < CENT, f"{col} differs by {worst}"
    assert (joined["n_fills_truth"] == joined["n_fills"]).all()
    assert set(mart["upnl_source"]) == {"snapshot"}


def test_account_daily_and_reconciliation_match_ground_truth(pipeline):
    client, _, truth = pipeline
    joined = assert_account_daily_matches(truth, client)
    # the portfolio history ingested with each day covers every day's close, to the cent
    exchange = joined["exchange_account_value_close"].astype(float)
    assert (exchange - joined["account_value_close_truth"]).abs().max() < CENT
    rec = frame(client, "SELECT * FROM analytics.fct_reconciliation_daily")
    # every day but each account's first (its open is derived from its own first snapshot)
    assert len(rec) == len(truth) - truth["account"].nunique()
    assert rec["is_reconciled"].astype(bool).all()


def test_weights_and_tracking_error_match_pandas(pipeline):
    client, _, _ = pipeline
    expected = expected_positions_vs_targets(client)
    mart = client.query_df("SELECT * FROM analytics.fct_positions_vs_targets")
    keys = ["snapshot_at", "strategy", "account", "coin"]
    joined = expected.merge(mart, on=keys, how="outer", suffixes=("_exp", ""), indicator=True)
    assert len(joined) > 0 and (joined["_merge"] == "both").all()
    for col in ("target_weight", "actual_weight", "weight_diff"):
        assert (joined[f"{col}_exp"] - joined[col]).abs().max() < 1e-9, col
    te = frame(client, "SELECT * FROM analytics.fct_tracking_error_daily")
    expected["day"] = pd.to_datetime(expected["snapshot_at"]).dt.date
    l1 = (
        expected.assign(a=expected["weight_diff"].abs())
        .groupby(["strategy", "account", "day", "snapshot_at"])["a"]
        .sum()
        .groupby(["strategy", "account", "day"])
        .mean()
        .reset_index(name="l1")
    )
    check = l1.merge(te, on=["strategy", "account", "day"])
    assert len(check) == len(l1) and (check["l1"] - check["te_l1"]).abs().max() < 1e-9
    assert te["te_ann_7d"].notna().any()
