"""Every dashboard tab through Streamlit's own harness (AppTest), on a real embedded ClickHouse:
with no data yet, with the server down, and with simulator-fed marts, whose numbers on the page
must equal independent queries of the marts."""

from __future__ import annotations

import json

import pytest
from maicro import formatting as fmt
from maicro.dashboard import data
from maicro.dashboard.tabs import TABS
from streamlit.testing.v1 import AppTest

from tests.conftest import reset_pair
from tests.integration.dashboard_support import (
    add_health_records,
    build_cloud,
    drop_health_tables,
    free_port,
    run_tab,
    texts,
)

pytestmark = pytest.mark.slow  # one dbt build of four simulated days (~1 min)


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r} among {[m.label for m in at.metric]}"
    return found[0]


@pytest.mark.parametrize("tab", list(TABS))
def test_no_data_yet_is_explained(clickhouse_pair, tab):
    reset_pair(clickhouse_pair)  # the monitors' tables exist (migrations) but are empty
    at = run_tab(tab)
    shown = texts(at)
    if tab == "health":
        assert "health monitor has not run yet" in shown
        assert "No DAG run recorded yet" in shown
        assert "No dbt build or test result recorded yet" in shown
    else:
        assert "No data yet" in shown, shown
    assert not at.error


@pytest.mark.parametrize("tab", list(TABS))
def test_server_down_is_explained(clickhouse_pair, monkeypatch, tab):
    monkeypatch.setenv("MAICRO_CLOUD_CLICKHOUSE_URL", f"http://127.0.0.1:{free_port()}")
    at = run_tab(tab)
    assert len(at.error) == 1
    assert "cloud ClickHouse is unreachable" in at.error[0].value
    data.clear()


@pytest.fixture(scope="module")
def cloud(clickhouse_pair, tmp_path_factory):
    build_cloud(clickhouse_pair, tmp_path_factory)
    add_health_records(clickhouse_pair)
    client = clickhouse_pair.client("cloud", "admin")
    yield client
    client.close()
    drop_health_tables(clickhouse_pair)


def scalar(client, sql: str) -> float:
    return float(client.query(sql).result_rows[0][0])


def test_overview_numbers_equal_the_marts(cloud):
    at = run_tab("overview")
    last_day = "(SELECT max(day) FROM analytics.fct_account_daily)"
    today = scalar(
        cloud, f"SELECT sum(total_pnl) FROM analytics.fct_pnl_daily WHERE day = {last_day}"
    )
    aum = scalar(
        cloud,
        f"SELECT sum(account_value_close) FROM analytics.fct_account_daily WHERE day = {last_day}",
    )
    assert metric(at, "Total PnL · Today") == fmt.money(today)
    assert metric(at, "Account value") == fmt.money(aum, sign=False)
    assert len(at.get("plotly_chart")) == 2
    assert "Newest data:" in texts(at)
    # Each amount of the PnL breakdown stays on one line (no wrap between "fees −" and "$…").
    breakdown = next(c.value for c in at.caption if c.value.startswith("realized"))
    assert all(" " not in part for part in breakdown.split(" · ")), breakdown
    # The simulated days are long past: the page must say its data is stale, not look current,
    # judged by the health monitor's heartbeat threshold (health.yaml heartbeat.cloud.warn: 30m).
    (stale,) = [w.value for w in at.warning if "Stale data" in w.value]
    assert "more than the 30 min heartbeat threshold" in stale, stale


def test_staleness_follows_the_health_configs_heartbeat_threshold(cloud, monkeypatch, tmp_path):
    """Raise the heartbeat threshold past the simulated data's age and every page stops calling
    it stale: one source of truth for what 'stale' means."""
    config = tmp_path / "health.yaml"
    config.write_text("heartbeat:\n  cloud: {warn: 3650d, fail: 3650d}\n")
    monkeypatch.setenv("MAICRO_HEALTH_CONFIG", str(config))
    for tab in ("overview", "positions", "trades", "tracking"):
        at = run_tab(tab)
        assert "Newest" in texts(at)
        assert not [w.value for w in at.warning if "Stale data" in w.value], tab


def test_positions_show_latest_snapshot_per_account(cloud):
    at = run_tab("positions")
    n_accounts = scalar(cloud, "SELECT uniqExact(account) FROM analytics.fct_positions_vs_targets")
    assert len(at.dataframe) == n_accounts, texts(at)
    assert {"target_weight", "actual_weight", "weight_diff", "unrealized_pnl"} <= set(
        at.dataframe[0].value.columns
    )
    assert at.selectbox(key="positions_coin").value
    assert len(at.get("plotly_chart")) == 1


def test_liquidation_distance_is_the_exchanges_liquidation_price_against_the_mark(cloud):
    """Every position's liquidation distance on the page equals |mark − liquidationPx| / mark
    computed here from the raw snapshot rows the exchange sent (mark = positionValue / |szi|)."""
    at = run_tab("positions")
    raw = cloud.query(
        "SELECT account, coin, position_value / abs(szi), liquidation_px "
        "FROM hyperliquid.position_snapshots FINAL "
        "WHERE szi != 0 AND (account, snapshot_at) IN "
        "(SELECT account, max(snapshot_at) FROM hyperliquid.position_snapshots GROUP BY account)"
    ).result_rows
    expected = {
        (account, coin): fmt.MISSING if liq is None else fmt.pct(abs(mark - liq) / mark, sign=False)
        for account, coin, mark, liq in raw
    }
    shown = {}
    for header, table in zip(at.subheader, at.dataframe, strict=True):
        account = next(a for a, _ in expected if header.body.endswith(f"{a[:6]}…{a[-4:]}"))
        for coin, distance in table.value[["coin", "liquidation_distance"]].itertuples(index=False):
            if (account, coin) in expected:
                shown[(account, coin)] = distance
    assert shown == expected
    # Shorts always have a liquidation price: the column is not all dashes.
    assert sum(v != fmt.MISSING for v in shown.values()) >= 2, shown


def test_trades_filters_and_download(cloud):
    at = run_tab("trades")
    start, end = at.date_input(key="dates").value
    n = scalar(
        cloud,
        f"SELECT count() FROM analytics.fct_trades WHERE day BETWEEN '{start}' AND '{end}'",
    )
    assert metric(at, "Fills") == fmt.number(n)
    assert at.get("download_button")
    at.selectbox(key="trades_side").set_value("Buy").run()
    buys = scalar(
        cloud,
        f"SELECT count() FROM analytics.fct_trades WHERE side = 'B' "
        f"AND day BETWEEN '{start}' AND '{end}'",
    )
    assert metric(at, "Fills") == fmt.number(buys) and 0 < buys < n
    assert set(at.dataframe[0].value["side"]) == {"B"}


def test_tracking_error_latest_half_l1(cloud):
    at = run_tab("tracking")
    rows = cloud.query(
        "SELECT strategy, account, argMax(te_half_l1, day) FROM analytics.fct_tracking_error_daily "
        "GROUP BY strategy, account"
    ).result_rows
    for strategy, account, half_l1 in rows:
        label = f"Latest ½L1 · {strategy} · {account[:6]}…{account[-4:]}"
        assert metric(at, label) == fmt.pct(half_l1, sign=False)
    # Over time, then per (strategy, account) its contribution and targets vs actual: weights of
    # different accounts are never summed into one bar.
    charts = at.get("plotly_chart")
    assert len(charts) == 1 + 2 * len(rows)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in charts]
    for strategy, account, _ in rows:
        whose = f"{strategy} · {account[:6]}…{account[-4:]}"
        assert f"Target vs actual weights · {whose}" in titles, titles


def test_health_shows_checks_alerts_and_dag_runs(cloud):
    at = run_tab("health")
    shown = texts(at)
    assert "health monitor has not run yet" not in shown
    frames = [d.value for d in at.dataframe]
    checks = next(f for f in frames if "check_name" in f and "last_threshold" in f)
    # What needs attention first: failing, then warning (whatever their names), then ok.
    assert list(checks["last_status"]) == ["FAIL", "WARN", "ok", "ok"], checks
    dbt = [f for f in frames if "check_name" in f and set(f["check_name"]) == {"dbt_tests"}]
    assert dbt and list(dbt[0]["last_status"]) == ["ok"]
    dags = next(f for f in frames if "dag_id" in f)
    assert set(dags["dag_id"]) == {"ingest_hyperliquid", "transform_analytics"}
    assert metric(at, "Largest replication lag") == "42 s"
    assert len(at.get("plotly_chart")) == 1  # latency p50/p95


def test_every_open_alert_is_listed_even_when_a_burst_fires_at_once(cloud):
    """Seen in CI: 50 failing dbt tests fired in the same second as a feed outage, and the outage
    fell off a 50-row alert table. Every open alert is listed; resolved ones are capped."""
    burst = [
        f"('burst:{i:02}', 'dbt_test', 't{i:02}', 'fired', 'fail', 'x', [], now64(3))"
        for i in range(60)
    ]
    old = [
        f"('old:{i:02}', 'api_rtt', 'e{i:02}', '{event}', 'ok', 'x', [], now64(3) - toIntervalSecond({offset}))"
        for i in range(60) for event, offset in (("fired", 7200), ("resolved", 3600 + i))
    ]  # fmt: skip
    cloud.command("INSERT INTO maicro_monitors.alerts VALUES " + ",".join(burst + old))
    try:
        at = run_tab("health")
        alerts = next(d.value for d in at.dataframe if "alert_key" in d.value)
        open_keys = set(alerts.loc[alerts["last_event"] != "resolved", "alert_key"])
        assert open_keys == {f"burst:{i:02}" for i in range(60)} | {"tracking_error:momentum"}
        resolved = list(alerts.loc[alerts["last_event"] == "resolved", "alert_key"])
        assert resolved == [f"old:{i:02}" for i in range(50)]  # the newest resolved first
        assert "61 open, 50 resolved (newest 50)" in texts(at)
    finally:
        cloud.command(
            "DELETE FROM maicro_monitors.alerts WHERE alert_key LIKE 'burst:%' OR alert_key LIKE 'old:%'"
        )


def test_strategy_filter_narrows_every_tab(cloud):
    at = run_tab("tracking")
    strategies = at.selectbox(key="strategy").options
    assert len(strategies) >= 2
    at.selectbox(key="strategy").set_value(strategies[1]).run()
    labels = [m.label for m in at.metric]
    assert labels and all(strategies[1] in label for label in labels)
