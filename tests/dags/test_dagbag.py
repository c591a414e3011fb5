"""Every DAG file imports cleanly in a real DagBag and follows the project's DAG conventions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dags.airflow_helpers import dagbag_summary

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag(airflow_env) -> dict:
    return dagbag_summary()


def test_no_import_errors(dagbag):
    assert dagbag["import_errors"] == {}


def test_one_dag_per_file_named_after_it(dagbag):
    files = sorted(p.stem for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))
    assert sorted(dagbag["dags"]) == files
    for dag_id, info in dagbag["dags"].items():
        assert Path(info["fileloc"]).stem == dag_id


def test_conventions(dagbag):
    for dag_id, info in dagbag["dags"].items():
        verb = dag_id.split("_")[0]
        assert verb in {
            "ingest",
            "replicate",
            "transform",
            "report",
            "alert",
            "check",
            "monitor",
        }, dag_id
        assert info["doc_md"], f"{dag_id} has no doc_md"
        assert info["tags"], f"{dag_id} has no tags"
        assert info["owner"] and info["owner"] != "airflow", f"{dag_id} has the default owner"
        low = {t: r for t, r in info["retries"].items() if r < 2}
        assert not low, f"{dag_id}: tasks with retries < 2: {low}"
        silent = [t for t, c in info["failure_callbacks"].items() if "AlertNotifier" not in c]
        assert not silent, f"{dag_id}: tasks without the AlertNotifier failure callback: {silent}"
