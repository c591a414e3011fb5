"""DAGs `report_daily_pnl` and `report_weekly_risk`: scheduled on the mart Assets or their deadline,
and real `airflow dags test` runs that deliver each report once to the file outbox (an empty
pipeline: the deadline run sends anyway, with the banner naming what is missing)."""

from __future__ import annotations

import email
from email import policy

import pytest
from maicro import catalog

from tests.conftest import run_maicro
from tests.dags.airflow_helpers import dagbag_summary, run_dag_test

pytestmark = pytest.mark.slow  # one dbt build + two `airflow dags test` runs


@pytest.fixture(scope="module")
def dags(airflow_env) -> dict:
    summary = dagbag_summary()
    assert not any("report_" in path for path in summary["import_errors"]), summary
    return summary["dags"]


@pytest.mark.parametrize("dag_id", ["report_daily_pnl", "report_weekly_risk"])
def test_scheduled_on_marts_or_deadline(dags, dag_id):
    info = dags[dag_id]
    assert info["timetable"] == "AssetOrTimeSchedule"
    assert info["tasks"] == ["send_report"] and info["retries"]["send_report"] >= 2
    assert info["outlets"]["send_report"] == [
        "clickhouse://local/maicro_monitors/report_deliveries"
    ]


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
