"""DAGs `report_daily_pnl` and `report_weekly_risk`: scheduled on the mart Assets or their deadline,
and real `airflow dags test` runs that deliver each report once to the file outbox (an empty
pipeline: the deadline run sends anyway, with the banner naming what is missing)."""

from __future__ import annotations

import email
import subprocess
from email import policy

import pytest
from maicro import catalog

from tests.conftest import run_maicro
from tests.dags.airflow_helpers import (
    AIRFLOW,
    asset_uris,
    dagbag_summary,
    load_dag,
    run_dag_test,
    session_env,
)
from tests.fakes.resend_server import FakeResend, ResendServer

pytestmark = pytest.mark.slow  # one dbt build + two `airflow dags test` runs


@pytest.fixture(scope="module")
def dags(airflow_env) -> dict:
    summary = dagbag_summary()
    assert not any("report_" in path for path in summary["import_errors"]), summary
    return summary["dags"]


@pytest.mark.parametrize("dag_id", ["report_daily_pnl", "report_weekly_risk"])
def test_scheduled_on_marts_or_deadline(dags, dag_id):
    info = dags[dag_id]
    assert info["fileloc"].endswith(f"dags/{dag_id}.py")  # built by the factory, found in its file
    assert info["timetable"] == "AssetOrTimeSchedule"
    assert info["tasks"] == ["send_report"] and info["retries"]["send_report"] >= 2
    assert info["outlets"]["send_report"] == [
        "clickhouse://local/maicro_monitors/report_deliveries"
    ]


@pytest.mark.parametrize("dag_id", ["report_daily_pnl", "report_weekly_risk"])
def test_one_run_per_transform_run_once_every_mart_is_rebuilt(airflow_env, dag_id):
    """All the marts, not any: with "any", each transform run's mart events started four or five
    report runs (83 daily-report runs in a 20-minute freshness bench, for 18 transform runs)."""
    from airflow.serialization.definitions.assets import SerializedAssetAll

    condition = load_dag(dag_id).timetable.asset_condition
    assert isinstance(condition, SerializedAssetAll), condition
    assert asset_uris(condition) == {catalog.mart_uri(m) for m in catalog.MARTS}


def test_transform_emits_one_asset_per_mart(dags):
    outlets = dags["transform_analytics"]["outlets"]
    emitted = sorted(uri for uris in outlets.values() for uri in uris)
    assert emitted == sorted(catalog.mart_uri(m) for m in catalog.MARTS)


@pytest.fixture(scope="module")
def empty_marts(airflow_env, tmp_path_factory):
    env = {"DBT_TARGET_PATH": str(tmp_path_factory.mktemp("dbt-target"))}
    run_maicro("transform", env=env, check=True, timeout=900)


@pytest.mark.parametrize(
    ("dag_id", "when", "subject"),
    [
        ("report_daily_pnl", "2026-03-10T06:00:00+00:00", "[INCOMPLETE] Daily PnL 2026-03-09"),
        ("report_weekly_risk", "2026-03-09T06:00:00+00:00", "[INCOMPLETE] Weekly Risk 2026-W10"),
    ],
)
def test_dags_test_sends_once_to_the_outbox(empty_marts, tmp_path, dag_id, when, subject):
    env = {
        "MAICRO_EMAIL_TRANSPORT": "file",
        "MAICRO_EMAIL_OUTBOX": str(tmp_path),
        "MAICRO_REPORT_RECIPIENTS": "ops@fund.example",
    }
    for _attempt in range(2):  # a second run of the same period sends nothing more
        result = run_dag_test(dag_id, when, extra_env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [eml] = tmp_path.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["Subject"].startswith(subject)
    assert "not ingested since" in message.get_body(("plain",)).get_content()


def test_task_run_again_after_sending_sends_nothing_even_if_resend_forgets_keys(
    empty_marts, clickhouse_pair
):
    """The send task of report_daily_pnl runs (`airflow dags test`), then runs again for the same
    logical date as a retry would (`airflow tasks test`): Resend, which here has forgotten the
    idempotency key (its 24 h window expired), receives one email; the ledger has one `sent`."""
    when, recipients = "2026-03-12T06:00:00+00:00", "retry-check@fund.example"
    with ResendServer(FakeResend(api_key="re_test")) as server:
        server.fake.forget_idempotency = True
        env = {"MAICRO_EMAIL_TRANSPORT": "resend", "RESEND_API_URL": server.url,
               "RESEND_API_KEY": "re_test", "MAICRO_REPORT_RECIPIENTS": recipients}  # fmt: skip
        first = run_dag_test("report_daily_pnl", when, extra_env=env)
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        again = subprocess.run(
            [AIRFLOW, "tasks", "test", "report_daily_pnl", "send_report", when],
            capture_output=True, text=True, timeout=600, env={**session_env(), **env},
        )  # fmt: skip
        assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
        assert "daily_pnl 2026-03-11: already sent via resend" in again.stdout + again.stderr
        assert len(server.fake.sent) == 1 and len(server.fake.requests) == 1
    client = clickhouse_pair.client("local")
    statuses = client.query(
        "SELECT status FROM maicro_monitors.report_deliveries WHERE report = 'daily_pnl' "
        "AND period = '2026-03-11' AND has(recipients, {r:String}) ORDER BY attempted_at",
        parameters={"r": recipients},
    ).result_rows
    client.close()
    assert [s for (s,) in statuses] == ["sending", "sent"]
