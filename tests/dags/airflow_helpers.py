"""Run real Airflow commands (`airflow dags test`, DagBag) against the checkout's dags/.

`airflow_env` (tests/dags/conftest.py) migrates a throwaway SQLite metadata DB once per session
and records the environment here, so `run_dag_test` can be called from any DAG test.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).parent / "airflow")
_SESSION_ENV: dict[str, str] = {}


def set_session_env(env: dict[str, str]) -> None:
    _SESSION_ENV.clear()
    _SESSION_ENV.update(env)


def session_env() -> dict[str, str]:
    if not _SESSION_ENV:
        raise RuntimeError("request the `airflow_env` fixture before running Airflow commands")
    return dict(_SESSION_ENV)


def run_dag_test(
    dag_id: str,
    logical_date: str | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 600,
    unset: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """`airflow dags test DAG_ID [DATE]` as a subprocess, with `extra_env` and without the
    variables named in `unset`; returns the completed process."""
    args = [AIRFLOW, "dags", "test", dag_id] + ([logical_date] if logical_date else [])
    env = {k: v for k, v in {**session_env(), **(extra_env or {})}.items() if k not in unset}
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)


def dagbag_summary() -> dict:
    """Import errors and per-DAG shape, read by a real DagBag in a subprocess."""
    code = r"""
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag()
out = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in bag.dags.items():
    out["dags"][dag_id] = {
        "fileloc": dag.fileloc, "tags": sorted(dag.tags or []), "owner": dag.owner,
        "doc_md": bool(dag.doc_md), "tasks": [t.task_id for t in dag.tasks],
        "retries": {t.task_id: t.retries for t in dag.tasks},
        "upstream": {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks},
        "trigger_rules": {t.task_id: str(t.trigger_rule) for t in dag.tasks},
        "max_active_tis_per_dag": {t.task_id: t.max_active_tis_per_dag for t in dag.tasks},
        "failure_callbacks": {t.task_id: [k.__name__ for c in (t.on_failure_callback if isinstance(t.on_failure_callback, list) else [t.on_failure_callback] if t.on_failure_callback else []) for k in type(c).__mro__] for t in dag.tasks},
        "priority": {t.task_id: t.priority_weight if str(t.weight_rule).endswith("absolute") else t.priority_weight + sum(r.priority_weight for r in t.get_flat_relatives(upstream=str(t.weight_rule).endswith("upstream"))) for t in dag.tasks},
        "outlets": {t.task_id: [getattr(o, "uri", str(o)) for o in (t.outlets or [])] for t in dag.tasks},
        "schedule": str(getattr(dag.timetable, "summary", "") or getattr(dag.timetable, "description", "")), "timetable": type(dag.timetable).__name__,
    }
print("DAGBAG_JSON=" + json.dumps(out))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=session_env(), timeout=300
    )
    for line in result.stdout.splitlines():
        if line.startswith("DAGBAG_JSON="):
            return json.loads(line.split("=", 1)[1])
    raise AssertionError(f"DagBag failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def load_dag(dag_id: str):
    """Parse one DAG file in-process as Airflow's DagBag does (auto-registered @dag objects)."""
    from airflow.sdk.definitions._internal.contextmanager import DagContext

    name = f"_dag_test_{dag_id}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "dags" / f"{dag_id}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    DagContext.current_autoregister_module_name = name
    DagContext.autoregistered_dags.clear()
    try:
        spec.loader.exec_module(module)
        (dag,) = [d for d, m in DagContext.autoregistered_dags if m is module]
        return dag
    finally:
        DagContext.current_autoregister_module_name = None
        DagContext.autoregistered_dags.clear()
        sys.modules.pop(name, None)


def asset_uris(condition) -> set[str]:
    """Every Asset URI of a schedule condition (an Asset, or AssetAny/AssetAll nested)."""
    if hasattr(condition, "uri"):
        return {condition.uri}
    return set().union(*(asset_uris(c) for c in condition.objects))
