"""ClickHouse as Airflow connections: the DbApiHook over clickhouse-connect's DB-API answers as the
role its connection names (built from the CLI's settings), and what the dashboard's health tab
reads (current checks, alert history) reaches the cloud, where maicro_reader can read it and
nothing raw.
"""

from __future__ import annotations

import pytest
from maicro.clickhouse.airflow_connections import AIRFLOW_ROLES, SECRETS_BACKEND, conn_id
from maicro.clickhouse.airflow_hook import ClickHouseHook
from maicro.dashboard.queries import HEALTH_QUERIES
from maicro.health.monitor import run_once

from tests.integration.replication_helpers import seed_fills


@pytest.fixture
def airflow_connections(fresh_clickhouse, monkeypatch, tmp_path):
    """The connections as Airflow finds them: through the secrets backend."""
    monkeypatch.setenv("AIRFLOW__SECRETS__BACKEND", SECRETS_BACKEND)
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt"))


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


def test_airflow_gets_every_connection_from_the_secrets_backend_alone(fresh_clickhouse, tmp_path):
    """What the demo's and the compose stack's Airflow do: no AIRFLOW_CONN_* anywhere, only
    AIRFLOW__SECRETS__BACKEND; a fresh Airflow process looks each connection up through it and
    logs in as the role; an id that is not ours is not invented."""
    import os
    import subprocess
    import sys

    from maicro.stack.airflow_env import airflow_environment

    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env |= airflow_environment(tmp_path / "airflow")
    assert not [k for k in env if k.startswith("AIRFLOW_CONN_")]
    script = (
        "from airflow.sdk import BaseHook\n"
        "from maicro.clickhouse.airflow_connections import AIRFLOW_ROLES, conn_id\n"
        "from maicro.clickhouse.airflow_hook import ClickHouseHook\n"
        "for server in ('local', 'cloud'):\n"
        "    for role in AIRFLOW_ROLES:\n"
        "        hook = ClickHouseHook(conn_id(server, role))\n"
        "        print('USER', hook.get_first('SELECT currentUser()')[0])\n"
        "try:\n"
        "    BaseHook.get_connection('clickhouse_cloud_admin')\n"
        "except Exception as exc:\n"
        "    print('MISSING', type(exc).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    users = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("USER ")]
    assert users == [f"maicro_{r}" for r in AIRFLOW_ROLES] * 2, result.stdout[-3000:]
    assert "MISSING AirflowNotFoundException" in result.stdout, result.stdout[-3000:]
