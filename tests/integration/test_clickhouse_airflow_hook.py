"""ClickHouse as Airflow connections: the DbApiHook over clickhouse-connect's DB-API answers as the
role its connection names (built from the CLI's settings), and what the dashboard's health tab
reads (current checks, alert history) reaches the cloud, where maicro_reader can read it and
nothing raw.
"""

from __future__ import annotations

import pytest
from maicro.clickhouse.airflow_connections import AIRFLOW_ROLES, conn_id, connections
from maicro.clickhouse.airflow_hook import ClickHouseHook
from maicro.dashboard.queries import HEALTH_QUERIES
from maicro.health.monitor import run_once

from tests.integration.replication_helpers import seed_fills


@pytest.fixture
def airflow_connections(fresh_clickhouse, monkeypatch, tmp_path):
    env = connections()
    assert len(env) == 2 * len(AIRFLOW_ROLES), sorted(env)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt"))
    return env


def _hook(server: str, role: str) -> ClickHouseHook:
    return ClickHouseHook(conn_id(server, role))


def test_each_connection_logs_in_as_its_role(airflow_connections):
    for server in ("local", "cloud"):
        for role in AIRFLOW_ROLES:
            assert _hook(server, role).get_first("SELECT currentUser()") == (f"maicro_{role}",)


def test_the_reader_reads_current_checks_and_alert_history_on_the_cloud_and_nothing_raw(
    airflow_connections,
):
    from maicro.replication.run import replicate

    seed_fills(24)  # not replicated yet: replication lag fails and alerts
    run = run_once(run_probe=False)
    fired = {e.alert_key for e in run.events if e.event == "fired"}
    assert "replication_lag:hyperliquid.fills" in fired
    replicate(log=lambda *_: None)  # brings the checks and alerts (and the fills) to the cloud

    reader = _hook("cloud", "reader")
    checks = reader.get_pandas_df(HEALTH_QUERIES["checks"][1])
    stored = {(r.check_name, r.subject): r.status for r in run.results}
    shown = dict(zip(zip(checks["check_name"], checks["subject"]), checks["last_status"]))
    assert shown == stored
    history = reader.get_records(
        "SELECT alert_key, toString(event) FROM maicro_monitors.alerts ORDER BY alert_key"
    )
    assert {k for k, e in history if e == "fired"} == fired
    alerts_tab = reader.get_pandas_df(HEALTH_QUERIES["alerts"][1])
    assert set(alerts_tab["alert_key"]) == fired

    for raw in ("hyperliquid.fills", "maicro_logs.target_weights"):
        with pytest.raises(Exception, match="ACCESS_DENIED|Not enough privileges"):
            reader.get_records(f"SELECT count() FROM {raw}")
    with pytest.raises(Exception, match="ACCESS_DENIED|Not enough privileges"):
        _hook("local", "reader").get_records("SELECT count() FROM maicro_monitors.health_checks")
    assert _hook("cloud", "monitor").get_first("SELECT count() FROM hyperliquid.fills") == (24,)
