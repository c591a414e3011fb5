"""The served dashboard in a real headless Chromium, on a simulator-fed cloud: every tab renders
(screenshots in tests/artifacts/dashboard-*.png, checked non-blank), the key numbers a person
reads on the page equal independent queries of the marts, and the dashboard's own connection
(maicro_reader) can neither write nor read raw tables."""

from __future__ import annotations

import subprocess
import time
import urllib.request

import pytest
from clickhouse_connect.driver.exceptions import DatabaseError
from maicro import formatting as fmt
from maicro.dashboard.cli import streamlit_argv

from tests.browser import browser_page, is_blank, page_screenshot, streamlit_tab
from tests.integration.dashboard_support import (
    add_health_records,
    build_cloud,
    drop_health_tables,
    free_port,
)

pytestmark = pytest.mark.slow  # dbt build (~1 min) + Chromium renders of five tabs

TABS = {  # tab -> a text that only appears once its data is drawn
    "overview": "Total PnL · Today",
    "positions": "Weight difference over time",
    "trades": "Download these fills",
    "tracking": "Latest ½L1",
    "health": "DAG runs",
}


@pytest.fixture(scope="module")
def served(clickhouse_pair, tmp_path_factory):
    build_cloud(clickhouse_pair, tmp_path_factory)
    add_health_records(clickhouse_pair)
    port = free_port()
    proc = subprocess.Popen(
        streamlit_argv(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the dashboard did not answer /_stcore/health within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        drop_health_tables(clickhouse_pair)


@pytest.fixture(scope="module")
def page():
    """One headless Chromium page for the module's renders."""
    with browser_page(width=1400, height=1800) as shared:
        yield shared


def rendered(page, url: str, expected: str) -> str:
    """The page's text once `expected` is on it and its charts are drawn."""
    return streamlit_tab(page, url, expected)


def metric_value(text: str, label: str) -> str:
    """The value printed under a metric's label (the next non-empty text node)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    index = lines.index(label)
    return lines[index + 1]


@pytest.mark.parametrize("tab", list(TABS))
def test_every_tab_renders_and_is_screenshotted(served, page, tab):
    text = rendered(page, f"{served}/?tab={tab}", TABS[tab])
    assert "Traceback" not in text and "refused the query" not in text
    png = page_screenshot(page, f"dashboard-{tab}")
    assert not is_blank(png), png


def test_key_numbers_equal_the_marts(served, page, clickhouse_pair):
    admin = clickhouse_pair.client("cloud", "admin")
    last_day = "(SELECT max(day) FROM analytics.fct_account_daily)"
    today_pnl = admin.query(
        f"SELECT sum(total_pnl) FROM analytics.fct_pnl_daily WHERE day = {last_day}"
    ).result_rows[0][0]
    aum = admin.query(
        f"SELECT sum(account_value_close) FROM analytics.fct_account_daily WHERE day = {last_day}"
    ).result_rows[0][0]
    half_l1 = admin.query(
        "SELECT strategy, account, argMax(te_half_l1, day) FROM analytics.fct_tracking_error_daily "
        "GROUP BY strategy, account"
    ).result_rows
    admin.close()

    overview = rendered(page, f"{served}/?tab=overview", TABS["overview"])
    assert fmt.parse(metric_value(overview, "Total PnL · Today")) == pytest.approx(
        today_pnl, abs=0.005
    )
    assert metric_value(overview, "Total PnL · Today") == fmt.money(today_pnl)
    assert metric_value(overview, "Account value") == fmt.money(aum, sign=False)

    tracking = rendered(page, f"{served}/?tab=tracking", TABS["tracking"])
    for strategy, account, value in half_l1:
        label = f"Latest ½L1 · {strategy} · {account[:6]}…{account[-4:]}"
        assert metric_value(tracking, label) == fmt.pct(value, sign=False)


def test_reader_connection_cannot_write_or_read_raw(served):
    """The very connection the dashboard opens (maicro.dashboard.data._client)."""
    from maicro.dashboard import data

    data.clear()
    client = data._client()
    assert client.query("SELECT count() FROM analytics.fct_trades").result_rows[0][0] > 0
    for statement in (
        "SELECT count() FROM hyperliquid.fills",
        "SELECT count() FROM maicro_logs.target_weights",
    ):
        with pytest.raises(DatabaseError, match="ACCESS_DENIED|Not enough privileges"):
            client.query(statement)
    for statement in (
        "INSERT INTO analytics.fct_trades (account) VALUES ('0xevil')",
        "INSERT INTO maicro_monitors.dag_runs (dag_id) VALUES ('evil')",
        "DROP TABLE analytics.fct_trades",
        "CREATE TABLE analytics.evil (x UInt8) ENGINE = Memory",
    ):
        with pytest.raises(DatabaseError, match="ACCESS_DENIED|Not enough privileges"):
            client.command(statement)
    data.clear()


def test_numbers_on_positions_trades_and_health_equal_the_marts(served, page, clickhouse_pair):
    """Each remaining page's headline figures, read off the rendered page, against the marts."""
    admin = clickhouse_pair.client("cloud", "admin")

    def one(sql: str):
        return admin.query(sql).result_rows[0]

    snapshots = admin.query(
        "SELECT strategy, account, max(snapshot_at) FROM analytics.fct_positions_vs_targets "
        "GROUP BY strategy, account"
    ).result_rows
    n_fills, volume, fees_paid, rebates = one(
        "SELECT count(), sum(notional_usd), sumIf(fee, fee > 0), -sumIf(fee, fee < 0) "
        "FROM analytics.fct_trades"  # the default range (30 days) covers the simulated 4
    )
    (lag,) = one(
        "SELECT max(l) FROM (SELECT argMax(lag_seconds, finished_at) AS l "
        "FROM maicro_monitors.replication_runs GROUP BY database, table)"
    )
    admin.close()

    positions = rendered(page, f"{served}/?tab=positions", TABS["positions"])
    for strategy, account, at in snapshots:
        assert f"{strategy} · {account[:6]}…{account[-4:]}" in positions
        assert f"snapshot {at:%Y-%m-%d %H:%M:%S} UTC" in positions

    trades = rendered(page, f"{served}/?tab=trades", TABS["trades"])
    assert metric_value(trades, "Fills") == fmt.number(n_fills)
    assert metric_value(trades, "Volume") == fmt.money(volume, sign=False)
    assert metric_value(trades, "Fees paid") == fmt.money(fees_paid, sign=False)
    assert metric_value(trades, "Rebates") == fmt.money(rebates, sign=False)

    health = rendered(page, f"{served}/?tab=health", TABS["health"])
    assert metric_value(health, "Largest replication lag") == f"{lag:,.0f} s"
    assert "dbt build and tests" in health
