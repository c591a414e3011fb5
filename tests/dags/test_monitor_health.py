"""`airflow dags test monitor_health` as the scheduler would run it, against a real simulator and the
real ClickHouse pair: a feed fault is probed, judged, stored and alerted once (a second run in the
same state sends nothing), a task that raises reaches the on-call engineer through the
AlertNotifier failure callback, a DAG that has not succeeded within its interval fires once, and
the SQL check operator (common-sql, on the ClickHouse DbApiHook) fails on a real verification
mismatch and alerts once. Emails land in the file transport's outbox.
"""

from __future__ import annotations

import email
import json
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
from maicro.hyperliquid.simulator import SimConfig, start_simulator

from tests.dags.airflow_helpers import AIRFLOW, run_dag_test, session_env

ONCALL = "oncall@example.com"


@pytest.fixture
def monitored(airflow_env, fresh_clickhouse, tmp_path):
    outbox = tmp_path / "outbox"
    now = int(time.time() * 1000)
    with start_simulator(
        SimConfig(seed=6, n_accounts=2, days=1, now_ms=now, speed=1.0, rate_limit=False)
    ) as handle:
        env = {
            "HYPERLIQUID_API_URL": handle.url,
            "MAICRO_ACCOUNTS": ",".join(f"{a}={s}" for a, s in handle.sim.accounts),
            "MAICRO_HL_WEIGHT_PER_MINUTE": "0",
            "MAICRO_EMAIL_TRANSPORT": "file",
            "MAICRO_EMAIL_OUTBOX": str(outbox),
        }
        yield handle, outbox, env


def _config(tmp_path: Path, extra: str = "") -> str:
    path = tmp_path / "health.yaml"
    path.write_text(f"alerts:\n  email: [{ONCALL}]\n{extra}")
    return str(path)


def _subjects(outbox: Path, needle: str) -> list[str]:
    out = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if needle in str(message["Subject"]):
            out.append(str(message["Subject"]))
    return out


def _rows(pair, sql: str, **params) -> list[tuple]:
    client = pair.client("local")
    try:
        return client.query(sql, parameters=params).result_rows
    finally:
        client.close()


def test_a_feed_fault_is_alerted_once_across_two_dag_runs(monitored, fresh_clickhouse, tmp_path):
    handle, outbox, env = monitored
    env["MAICRO_HEALTH_CONFIG"] = _config(tmp_path)
    handle.set_faults(http_5xx="always", http_5xx_status=502)
    key = f"api_error_rate:{handle.url}"

    for logical_date in ("2026-12-01T10:00:00+00:00", "2026-12-01T10:01:00+00:00"):
        result = run_dag_test("monitor_health", logical_date, extra_env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    probes = _rows(
        fresh_clickhouse,
        "SELECT count(), sum(ok) FROM maicro_monitors.api_probes WHERE endpoint = {u:String}",
        u=handle.url,
    )
    assert probes[0][0] >= 2 and probes[0][1] == 0, probes  # two rounds, every request failed
    judged = _rows(
        fresh_clickhouse,
        "SELECT status, value FROM maicro_monitors.health_checks "
        "WHERE check_name = 'api_error_rate' AND subject = {u:String} ORDER BY checked_at",
        u=handle.url,
    )
    assert judged == [("fail", 1.0), ("fail", 1.0)]
    events = _rows(
        fresh_clickhouse,
        "SELECT toString(event) FROM maicro_monitors.alerts WHERE alert_key = {k:String}",
        k=key,
    )
    assert events == [("fired",)]
    assert _subjects(outbox, handle.url) == [f"[maicro FIRED] fail: api_error_rate {handle.url}"]


def test_a_task_that_raises_is_sent_by_the_failure_callback(monitored, fresh_clickhouse, tmp_path):
    _, outbox, env = monitored
    # A config the check task cannot read (the alert section is fine, so the callback can send).
    env["MAICRO_HEALTH_CONFIG"] = _config(tmp_path, "dbt:\n  freshness_every: soon\n")
    result = run_dag_test("monitor_health", "2026-12-01T11:00:00+00:00", extra_env=env)
    assert "freshness_every" in result.stdout + result.stderr

    subjects = _subjects(outbox, "task_failure")
    assert subjects == ["[maicro FIRED] fail: task_failure monitor_health/check_and_alert"]
    (message,) = _rows(
        fresh_clickhouse,
        "SELECT message FROM maicro_monitors.alerts WHERE check_name = 'task_failure'",
    )
    assert "monitor_health/check_and_alert failed" in message[0]
    assert "freshness_every" in message[0] and "soon" in message[0]


def _monitor_run(env: dict[str, str], now_ms: int) -> dict:
    """One monitor run at `now_ms` in a process with the Airflow environment (the DAG check
    reads the metadata database), as `maicro health` on the Airflow host would run it."""
    code = (
        "import json, sys\n"
        "from maicro.health.monitor import run_once\n"
        "r = run_once(now_ms=int(sys.argv[1]), run_probe=False)\n"
        "print('RUN=' + json.dumps({'results': {x.alert_key: [x.status, x.value] for x in "
        "r.results}, 'events': [[e.alert_key, e.event] for e in r.events]}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(now_ms)],
        capture_output=True, text=True, timeout=300, env={**session_env(), **env},
    )  # fmt: skip
    line = next((x for x in result.stdout.splitlines() if x.startswith("RUN=")), None)
    assert line, result.stdout[-2000:] + result.stderr[-3000:]
    return json.loads(line[4:])


def test_a_dag_that_has_not_succeeded_within_its_interval_fires_once(
    monitored, fresh_clickhouse, tmp_path
):
    _, _, env = monitored
    env["MAICRO_HEALTH_CONFIG"] = _config(tmp_path, "dags:\n  monitor_health: 10m\n")
    key = "dag_success:monitor_health"
    result = run_dag_test("monitor_health", "2026-12-01T12:00:00+00:00", extra_env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    succeeded = time.time()

    # Whether that run's own check task fired (no earlier success of monitor_health in this
    # Airflow DB) depends on the tests before; either way the alert is not open now.
    now = int(succeeded * 1000)
    fresh = _monitor_run(env, now)
    assert fresh["results"][key][0] == "ok", fresh["results"][key]
    assert [e for e in fresh["events"] if e[0] == key] in ([], [[key, "resolved"]])

    def history() -> list[str]:
        rows = _rows(
            fresh_clickhouse,
            "SELECT toString(event) FROM maicro_monitors.alerts WHERE alert_key = {k:String} "
            "ORDER BY event_at",
            k=key,
        )
        return [event for (event,) in rows]

    def fired_emails() -> int:
        return _subjects(outbox_of(env), "dag_success monitor_health").count(
            "[maicro FIRED] fail: dag_success monitor_health"
        )

    before, emails_before = history(), fired_emails()
    assert before in ([], ["fired", "resolved"]), before
    overdue = _monitor_run(env, now + 15 * 60_000)  # no successful run for 15 min > 10 min
    status, age = overdue["results"][key]
    assert status == "fail" and 15 * 60 - 60 < age <= 15 * 60 + 60, (status, age)
    assert [e for e in overdue["events"] if e[0] == key] == [[key, "fired"]]
    again = _monitor_run(env, now + 16 * 60_000)
    assert [e for e in again["events"] if e[0] == key] == []
    assert history() == [*before, "fired"]
    assert fired_emails() == emails_before + 1


def outbox_of(env: dict[str, str]) -> Path:
    return Path(env["MAICRO_EMAIL_OUTBOX"])


def _airflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [AIRFLOW, *args], capture_output=True, text=True, timeout=600,
        env={**session_env(), **env},
    )  # fmt: skip


def test_a_verification_mismatch_fails_the_sql_check_operator_and_alerts_once(
    monitored, fresh_clickhouse, tmp_path
):
    """The SQLCheckOperator task on the clickhouse_local_monitor connection (the DbApiHook over
    clickhouse-connect's DB-API) fails on a partition altered on the cloud; its alert fires once
    through the alerts' memory and resolves once the repair verifies clean."""
    from maicro.replication.run import replicate, verify

    from tests.integration.replication_helpers import admin, seed_fills

    _, outbox, env = monitored
    env["MAICRO_HEALTH_CONFIG"] = _config(tmp_path)
    quiet = {"log": lambda *_: None}
    key = "sql_verification_clean:monitor_health"
    seed_fills(48)
    replicate(**quiet)
    assert verify(**quiet).mismatched == []

    def check(date: str) -> str:
        """The task's final state (`airflow tasks test` exits 0 either way), and its log."""
        result = _airflow("tasks", "test", "monitor_health", "verification_clean", date, env=env)
        log = result.stdout + result.stderr
        states = [w.split("=")[1] for w in log.split() if w.startswith("new_state=")]
        assert states, log[-3000:]
        return states[-1], log

    assert check("2026-12-01T13:00:00+00:00")[0] == "success"
    admin(
        "cloud",
        "ALTER TABLE hyperliquid.fills UPDATE px = px * 2 WHERE time < '2026-01-01 12:00:00' "
        "SETTINGS mutations_sync = 1",
    )
    assert verify(**quiet).mismatched
    state, log = check("2026-12-01T13:01:00+00:00")
    assert state == "failed", log[-3000:]
    assert "AirflowFailException: Test failed" in log and "every_table_verified_equal" in log
    assert check("2026-12-01T13:02:00+00:00")[0] == "failed"
    events = _rows(
        fresh_clickhouse,
        "SELECT toString(event), status FROM maicro_monitors.alerts WHERE alert_key = {k:String} "
        "ORDER BY event_at",
        k=key,
    )
    assert events == [("fired", "fail")]
    assert _subjects(outbox, key.split(":")[0]) == [
        "[maicro FIRED] fail: sql_verification_clean monitor_health"
    ]

    from tests.conftest import run_maicro

    run_maicro("replicate", "--repair", check=True)
    assert verify(**quiet).mismatched == []
    assert check("2026-12-01T13:03:00+00:00")[0] == "success"
    assert _rows(
        fresh_clickhouse,
        "SELECT toString(event) FROM maicro_monitors.alerts WHERE alert_key = {k:String} "
        "ORDER BY event_at",
        k=key,
    ) == [("fired",), ("resolved",)]
