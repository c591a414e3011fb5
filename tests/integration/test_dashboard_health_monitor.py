"""The System Health tab fed by the real pipeline, not by rows a test inserted: `maicro ingest`
from the simulator, a real fault (the simulator answering 503), one real monitor run (probe ->
checks -> alerts, maicro.health.monitor), `maicro replicate` to the cloud and `maicro transform`,
then the tab read
through Streamlit's AppTest as maicro_reader. It must show the failing check and its open alert,
the probed endpoint's latency and the heartbeat of what was ingested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from maicro.health.monitor import run_once

from tests.conftest import run_maicro
from tests.integration.dashboard_support import run_tab, texts
from tests.integration.test_health_alerts import feed  # noqa: F401  (the simulator fixture)

pytestmark = pytest.mark.slow


def _frame(at, *columns: str):
    """The tab's table that has these columns."""
    frames = [d.value for d in at.dataframe]
    return next(f for f in frames if set(columns) <= set(f.columns))


def test_a_503_feed_shows_as_a_failing_check_and_an_open_alert(feed, fresh_clickhouse, tmp_path):  # noqa: F811
    handle, _, env = feed
    url = handle.url
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    window = ("--start", (now - timedelta(hours=1)).isoformat(), "--end", now.isoformat())
    run_maicro("ingest", *window, "--quiet", env=env, check=True, timeout=300)

    handle.set_faults(http_5xx="always", http_5xx_status=503)
    run = run_once()
    failing = {(r.check_name, r.subject) for r in run.failing}
    assert ("api_error_rate", url) in failing, failing
    assert ("fired", "api_error_rate") in [(e.event, e.check_name) for e in run.events]
    handle.set_faults()
    run_maicro("replicate", env=env, check=True, timeout=300)
    dbt_env = {**env, "DBT_TARGET_PATH": str(tmp_path / "dbt-target")}
    run_maicro("transform", env=dbt_env, check=True, timeout=900)  # the latency mart

    at = run_tab("health")
    shown = texts(at)
    assert "health monitor has not run yet" not in shown

    checks = _frame(at, "check_name", "subject", "last_status", "last_message")
    row = checks[(checks["check_name"] == "api_error_rate") & (checks["subject"] == url)]
    assert list(row["last_status"]) == ["FAIL"], checks
    assert row["last_value"].iloc[0] == 1.0  # every probe request failed
    # Failing checks come first: what needs attention is at the top of the table.
    assert checks["last_status"].iloc[0] == "FAIL"

    alerts = _frame(at, "alert_key", "last_event")
    open_alert = alerts[alerts["alert_key"] == f"api_error_rate:{url}"]
    assert list(open_alert["last_event"]) == ["fired"], alerts
    n_open = int((alerts["last_event"] != "resolved").sum())
    assert f"{n_open} open" in shown and n_open >= 1

    latency = _frame(at, "endpoint", "last_error_rate")
    assert url in set(latency["endpoint"]), latency

    heartbeat = _frame(at, "data_type", "last_ok")
    assert {"fills", "snapshots"} <= set(heartbeat["data_type"]), heartbeat
