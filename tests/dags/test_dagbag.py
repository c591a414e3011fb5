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


# The transform's one dbt build: a retry would clear the per-node statuses its sensors read, and
# cosmos skips the producer's retries anyway (maicro.transform.dbt_graph); each sensor retries.
NEVER_RETRIED = {"dbt.dbt_producer_watcher"}


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
        low = {t: r for t, r in info["retries"].items() if r < 2 and t not in NEVER_RETRIED}
        assert not low, f"{dag_id}: tasks with retries < 2: {low}"
        silent = [t for t, c in info["failure_callbacks"].items() if "AlertNotifier" not in c]
        assert not silent, f"{dag_id}: tasks without the AlertNotifier failure callback: {silent}"


def test_the_data_path_is_queued_before_the_transforms_status_sensors(dagbag):
    """Executor slots go by priority weight (maicro.priorities): ingest and replicate first, then
    the transform's one build, then its per-model sensors, which only report what it did."""
    dags = dagbag["dags"]
    transform = dags["transform_analytics"]["priority"]
    producer = transform.pop("dbt.dbt_producer_watcher")
    sensors = {t: w for t, w in transform.items() if t != "dbt.dbt_producer_watcher_done"}
    for dag_id in ("ingest_hyperliquid", "replicate_to_cloud"):
        lowest = min(dags[dag_id]["priority"].values())
        assert lowest > producer, (dag_id, dags[dag_id]["priority"], producer)
    assert producer > max(sensors.values()), (producer, sensors)


# Runs in a subprocess: parses each DAG file alone with every network connection and every child
# process refused and recorded, so a DAG that queries ClickHouse, calls the exchange or shells
# out to dbt while being parsed is named with what it tried.
_PARSE_WITHOUT_IO = r"""
import json, socket, subprocess, sys
from airflow.dag_processing.dagbag import DagBag

attempts = []

def refuse(what):
    def guard(*args, **kwargs):
        attempts.append(f"{what}{args[1:2] if what.startswith('socket.') else args[:1]}")
        raise OSError(f"I/O at DAG parse time: {what}")
    return guard

socket.socket.connect = refuse("socket.connect")
socket.socket.connect_ex = refuse("socket.connect_ex")
socket.getaddrinfo = refuse("getaddrinfo")
subprocess.Popen.__init__ = refuse("subprocess")
out = {}
for path in sys.argv[1:]:
    attempts.clear()
    bag = DagBag(dag_folder=path)
    out[path] = {"dags": sorted(bag.dags), "errors": {k: str(v)[-500:] for k, v in bag.import_errors.items()},
                 "attempts": list(attempts)}
print("PARSE_JSON=" + json.dumps(out))
"""


def test_dag_files_parse_without_io(airflow_env, tmp_path):
    """Parsing is what the scheduler does every 30 s per file: it must not touch the network or
    start processes. The ClickHouse servers are made unreachable (an empty state dir: no embedded
    server is known) and every connection and child process is refused."""
    import json
    import subprocess
    import sys

    files = sorted(str(p) for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))
    env = {**airflow_env, "MAICRO_STATE_DIR": str(tmp_path / "no-servers")}
    result = subprocess.run(
        [sys.executable, "-c", _PARSE_WITHOUT_IO, *files],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("PARSE_JSON=")), None)
    assert line, f"parse failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    parsed = json.loads(line.split("=", 1)[1])
    for path, info in parsed.items():
        name = Path(path).name
        assert not info["attempts"], f"{name} does I/O at import: {info['attempts']}"
        assert not info["errors"], f"{name} fails to import without servers: {info['errors']}"
        assert info["dags"] == [Path(path).stem], name
