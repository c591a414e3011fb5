"""A full ingestion of a simulated fund over real HTTP (real SDK, real ClickHouse) stores exactly
what the simulator says happened: per (account, day, coin) counts and sums, orders, candles,
snapshots, targets; re-running or overlapping windows changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from maicro.hyperliquid.simulator import SimConfig, start_simulator
from maicro.ingest.run import DATA_TYPES, run_window
from maicro.ingest.window import Window

from tests.integration._ingest_support import (
    DAY_MS,
    NOW,
    assert_close,
    empty_tables,
    expected_fills,
    expected_funding,
    keyed,
    query,
    sim_env,
    stored_daily_fills,
    stored_daily_funding,
)

CONFIG = SimConfig(seed=11, n_accounts=2, days=5, now_ms=NOW, fills_per_day=500, rate_limit=False)


@pytest.fixture(scope="module")
def sim():
    with start_simulator(CONFIG) as handle:
        yield handle


@pytest.fixture(scope="module")
def ingested(sim, clickhouse_pair):
    """Everything from the simulator's first day up to its clock, as one run."""
    empty_tables(clickhouse_pair)
    with pytest.MonkeyPatch.context() as mp:
        sim_env(sim, mp)
        window = Window(sim.sim.origin, NOW)
        outcomes = run_window(window)
        yield {
            "window": window,
            "outcomes": {o.data_type: o for o in outcomes},
            "pair": clickhouse_pair,
            "handle": sim,
        }


def counts(pair) -> dict:
    tables = [
        "hyperliquid.fills",
        "hyperliquid.funding",
        "hyperliquid.ledger_updates",
        "hyperliquid.orders",
        "hyperliquid.candles",
        "maicro_logs.target_weights",
        "hyperliquid.account_snapshots",
        "hyperliquid.position_snapshots",
        "hyperliquid.portfolio_history",
    ]
    client = pair.client("local")
    out = {}
    for t in tables:  # every column but the insertion time, which a re-run legitimately bumps
        db, name = t.split(".")
        cols = [
            c
            for (c,) in client.query(
                "SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String} "
                "AND name NOT IN ('ingested_at', 'inserted_at')",
                parameters={"db": db, "t": name},
            ).result_rows
        ]
        out[t] = client.query(
            f"SELECT count(), sum(cityHash64({', '.join(cols)})) FROM {t} FINAL"
        ).result_rows[0]
    client.close()
    return out


def test_fills_match_ground_truth_across_pages(ingested):
    sim, pair, w = ingested["handle"].sim, ingested["pair"], ingested["window"]
    expected = expected_fills(sim, w.start_ms, w.end_ms)
    actual = keyed(
        stored_daily_fills(pair), ["n_fills", "realized_pnl_gross", "fees", "volume_usd"]
    )
    assert_close(actual, expected)
    per_account = query(
        pair, "SELECT account, count() AS n FROM hyperliquid.fills FINAL GROUP BY account"
    )
    assert (per_account["n"] > 2000).all(), "the window must need more than one fills page"
    assert per_account["n"].sum() == sum(
        len(sim.records("fills", a, w.start_ms, w.end_ms)) for a, _ in sim.accounts
    )


def test_funding_matches_ground_truth_across_pages(ingested):
    sim, pair, w = ingested["handle"].sim, ingested["pair"], ingested["window"]
    expected = expected_funding(sim, w.start_ms, w.end_ms)
    assert_close(keyed(stored_daily_funding(pair), ["funding", "n"]), expected)
    per_account = query(
        pair, "SELECT account, count() AS n FROM hyperliquid.funding FINAL GROUP BY account"
    )
    assert (per_account["n"] > 500).all(), "the window must need more than one funding page"
    # Cross-check with the daily ground truth on whole days (it cuts the last day at its clock,
    # NOW inclusive, where an hourly payment falls; the window excludes its end).
    gt = sim.ground_truth_daily(w.start_ms, w.end_ms - 1)
    last_day = datetime.fromtimestamp(NOW / 1000, tz=UTC).date()
    gt = gt[(gt["funding"] != 0) & (gt["day"] < last_day)]
    assert_close(
        {k: (v[0],) for k, v in expected.items() if v[0] != 0 and k[1] < last_day.isoformat()},
        keyed(gt, ["funding"]),
    )


def test_ledger_flows_match_ground_truth(ingested):
    sim, pair, w = ingested["handle"].sim, ingested["pair"], ingested["window"]
    stored = query(
        pair,
        """
        SELECT account, toDate(time) AS day, sumIf(net_usdc, net_usdc > 0) AS deposits,
               -sumIf(net_usdc, net_usdc < 0) AS withdrawals
        FROM hyperliquid.ledger_updates FINAL GROUP BY account, day""",
    )
    gt = sim.ground_truth_account_daily(w.start_ms, w.end_ms - 1)
    gt = gt[(gt["deposits"] != 0) | (gt["withdrawals"] != 0)]
    assert_close(
        keyed(stored.assign(coin=None), ["deposits", "withdrawals"]),
        keyed(gt.assign(coin=None), ["deposits", "withdrawals"]),
    )
    n = sum(len(sim.records("ledger", a, w.start_ms, w.end_ms)) for a, _ in sim.accounts)
    assert query(pair, "SELECT count() AS n FROM hyperliquid.ledger_updates FINAL")["n"][0] == n


def test_orders_are_the_reachable_status_changes_of_the_window(ingested):
    sim, pair, w = ingested["handle"].sim, ingested["pair"], ingested["window"]
    expected = set()
    for account, _ in sim.accounts:
        entries = sorted(
            sim.records("orders", account, None, NOW + 1), key=lambda e: e["order"]["timestamp"]
        )[-2000:]  # the API's reach
        expected |= {
            (account, e["order"]["oid"], e["status"], e["statusTimestamp"])
            for e in entries
            if w.contains(e["statusTimestamp"])
        }
    stored = query(
        pair,
        "SELECT account, oid, status, toUnixTimestamp64Milli(status_timestamp) "
        "AS ts FROM hyperliquid.orders FINAL",
    )
    assert set(map(tuple, stored[["account", "oid", "status", "ts"]].values.tolist())) == expected
    assert len(expected) > 100


def test_candles_cover_every_held_or_targeted_coin_minute_by_minute(ingested):
    sim, pair, w = ingested["handle"].sim, ingested["pair"], ingested["window"]
    stored = query(
        pair,
        "SELECT coin, count() AS n, sum(close) AS closes, "
        "min(open_time) AS first FROM hyperliquid.candles FINAL "
        "WHERE interval = '1m' GROUP BY coin",
    )
    traded = set(query(pair, "SELECT DISTINCT coin FROM hyperliquid.fills")["coin"])
    targeted = set(sim.targets(None, w.start_ms, w.end_ms).query("target_weight != 0")["coin"])
    assert set(stored["coin"]) == traded | targeted
    # Only the 5000 most recent candles are served (the one opening at NOW is still running):
    # the stored ones are exactly the reachable minutes of the window, and the run log says so.
    reachable_start = max(w.start_ms, NOW - 4999 * 60_000)
    for row in stored.itertuples():
        candles = sim.records("candles", coin=row.coin, start_ms=reachable_start, end_ms=w.end_ms)
        assert row.n == len(candles) == (w.end_ms - reachable_start) // 60_000
        assert row.closes == pytest.approx(sum(float(c["c"]) for c in candles), rel=1e-12)
    runs = query(
        pair,
        "SELECT status, error FROM maicro_monitors.ingest_runs FINAL WHERE data_type = 'candles'",
    )
    assert set(runs["status"]) == {"partial"} and runs["error"].str.contains("out of reach").all()


def test_live_window_takes_snapshots_that_match_the_account_state(ingested):
    sim, pair = ingested["handle"].sim, ingested["pair"]
    accounts = query(
        pair,
        "SELECT account, toUnixTimestamp64Milli(snapshot_at) AS t, "
        "account_value, position_coins, position_szis, position_mark_pxs "
        "FROM hyperliquid.account_snapshots FINAL",
    )
    positions = query(
        pair,
        "SELECT account, coin, szi, mark_px, unrealized_pnl "
        "FROM hyperliquid.position_snapshots FINAL",
    )
    assert len(accounts) == len(sim.accounts)
    for account, _ in sim.accounts:
        state = sim.account_state(account, NOW)
        row = accounts[accounts["account"] == account].iloc[0]
        assert row["t"] == NOW
        assert row["account_value"] == pytest.approx(float(state.account_value), abs=1e-6)
        mine = positions[positions["account"] == account]
        assert {(r.coin, round(r.szi, 8)) for r in mine.itertuples()} == {
            (p.coin, round(float(p.szi), 8)) for p in state.positions if p.szi != 0
        }
        # the account row carries the same open positions as parallel arrays
        carried = set(zip(row["position_coins"], row["position_szis"], row["position_mark_pxs"]))
        assert carried == {(r.coin, r.szi, r.mark_px) for r in mine.itertuples() if r.szi != 0}
        assert len(carried) == len(row["position_coins"]) > 0
    contexts = query(pair, "SELECT count() AS n FROM hyperliquid.asset_contexts FINAL")
    assert contexts["n"][0] == len(CONFIG.coins)


def test_targets_feed_and_account_strategies(ingested):
    sim, pair, w = ingested["handle"].sim, ingested["pair"], ingested["window"]
    expected = sim.targets(None, w.start_ms, w.end_ms - 1)
    stored = query(
        pair,
        "SELECT strategy, toUnixTimestamp64Milli(ts) AS ts, coin, target_weight "
        "FROM maicro_logs.target_weights FINAL ORDER BY strategy, ts, coin",
    )
    assert stored.values.tolist() == [
        [s, int(t), c, float(x)] for s, t, c, x in expected.values.tolist()
    ]
    mapping = query(pair, "SELECT account, strategy FROM maicro_logs.account_strategies FINAL")
    assert sorted(map(tuple, mapping.values.tolist())) == sorted(sim.accounts)


def test_portfolio_history_holds_the_exchange_closes(ingested):
    """The stored perpAllTime points are the simulator's account value at each day's close,
    one per day of the window, and only points inside the window are kept."""
    sim, pair, w = ingested["handle"].sim, ingested["pair"], ingested["window"]
    for i, (account, _strategy) in enumerate(sim.accounts):
        points = query(
            pair,
            "SELECT toUnixTimestamp64Milli(point_at) AS t, account_value "
            "FROM hyperliquid.portfolio_history FINAL "
            "WHERE account = {a:String} AND window = 'perpAllTime' ORDER BY t",
            a=account,
        )
        times = points["t"].tolist()
        assert all(w.start_ms <= t < w.end_ms for t in times)
        closes = [t for t in times if (t + 1) % DAY_MS == 0]
        assert closes == list(range(w.start_ms + DAY_MS - 1, w.end_ms, DAY_MS))
        for t, value in zip(points["t"], points["account_value"]):
            assert abs(value - sim.account_value_micro(i, int(t)) / 1e6) < 1e-6


def test_run_log_and_latency_probes(ingested):
    pair, outcomes = ingested["pair"], ingested["outcomes"]
    assert list(outcomes) == list(DATA_TYPES)
    runs = query(
        pair,
        "SELECT data_type, status, rows_inserted, rows_quarantined, "
        "api_weight_used FROM maicro_monitors.ingest_runs FINAL",
    )
    assert set(runs["data_type"]) == set(DATA_TYPES)
    assert set(runs[runs["data_type"] != "candles"]["status"]) == {"ok"}
    assert runs["rows_quarantined"].sum() == 0
    assert query(pair, "SELECT count() AS n FROM maicro_monitors.quarantine")["n"][0] == 0
    for data_type, outcome in outcomes.items():
        assert runs[runs["data_type"] == data_type]["rows_inserted"].sum() == outcome.rows_inserted
    probes = query(
        pair,
        "SELECT request_type, count() AS n, countIf(status = 'ok') AS ok, "
        "max(server_time_skew_ms) AS skew "
        "FROM maicro_monitors.api_latency GROUP BY request_type",
    )
    by_type = probes.set_index("request_type")
    assert {
        "userFillsByTime",
        "userFunding",
        "candleSnapshot",
        "clearinghouseState",
        "historicalOrders",
        "metaAndAssetCtxs",
        "allMids",
        "portfolio",
    } <= set(by_type.index)
    assert by_type.loc["userFillsByTime", "n"] >= 2 * 2  # two pages for each of two accounts
    assert (probes["n"] == probes["ok"]).all()
    # The simulator's clock is frozen at NOW, far from ours: the skew probe sees it.
    now_wall = datetime.now(UTC).timestamp() * 1000
    assert by_type.loc["clearinghouseState", "skew"] == pytest.approx(NOW - now_wall, abs=60_000)


def test_rerunning_and_overlapping_windows_change_nothing(ingested):
    pair, w = ingested["pair"], ingested["window"]
    before = counts(pair)
    run_window(w)
    run_window(Window(w.start_ms + DAY_MS + 7 * 3_600_000, w.end_ms - 3 * 3_600_000))
    assert counts(pair) == before
