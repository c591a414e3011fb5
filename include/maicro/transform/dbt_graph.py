"""The transform DAG's dbt graph: one `dbt build`, then one Airflow task per model.

Default: cosmos `ExecutionMode.WATCHER` (cosmos >= 1.11), wired so that the build comes first.

Cosmos' `ExecutionMode.LOCAL` starts one dbt process per model and per test: 68 tasks of ~2-3 s
of dbt start-up each, so a run took ~2 min 20 s while the build itself takes seconds.
WATCHER runs ONE `dbt build` in a producer task (the producer pushes each node's status, and
each model's aggregated test verdict, to XCom). Cosmos would then draw two status tasks per
model (`<model>.run` and `<model>.test`, 68 Airflow task processes per run, which on 2 cores
cost more than the build); `maicro.transform.model_task` draws ONE per model instead
(`dbt.<model>`), green once the model was built and its tests passed. So:

* a run costs one dbt start-up, the marts are built (and the data fresh) when the producer ends,
  and the grid still shows one task per model;
* tests gate what follows: `dbt build` itself skips the models downstream of a failing test,
  and in Airflow each model's task fails on its own tests and sits upstream of its children;
* a retry or a clear re-runs only what failed: the producer never runs a second build (cosmos
  skips its retry, `dbt_producer_watcher_done` absorbs that), and a model task's retry runs
  `dbt build --select <its model>` (the model and its tests) alone.

One more change to cosmos' wiring (`_producer_first`): in a `DbtTaskGroup` cosmos leaves the
producer and the root sensors side by side, relying on the producer's priority to start first.
A serial runner (`airflow dags test`) or a busy 2-core scheduler may start a sensor first; it
then waits for a producer that cannot start (measured: `dags test` hung for 15 min, deferrable
sensors or not). Here the producer is upstream of every root sensor (trigger rule `all_done`,
so a failed build still lets each sensor report, or fall back for, its own node): every sensor
then finds its node's status on its first poke and ends at once, so the sensors need neither a
worker slot while waiting nor the triggerer. The DAG lets three runs be active and the producer
alone is limited to one at a time (`max_active_tis_per_dag=1`): the next build starts as soon
as the previous build ends, not after the previous run's sensors.

dbt still runs through `dbt_project/bin/dbt-maicro` as a subprocess, so the endpoint and the
`maicro_transform` password are resolved when the task runs, never when the DAG is parsed.

`ExecutionMode.LOCAL` stays available (`MAICRO_TRANSFORM_EXECUTION_MODE=local`, cosmos' own
`<model>.run` / `<model>.test` tasks) for the side-by-side measurement in docs/analytics.md and
as a fallback.

Each mart's last task (`<mart>` in WATCHER; `<mart>.test`, else `<mart>.run`, in LOCAL) carries
`outlets=[Asset(catalog.mart_uri(m))]`, so readers (reports, alerts) are scheduled on the built
and tested mart, per mart, as soon as it is ready.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from maicro import catalog
from maicro.transform.dbt_env import project_dir

GROUP_ID = "dbt"
POKE_INTERVAL_S = 2
PRODUCER_TASK = "dbt_producer_watcher"
EXECUTION_MODES = ("watcher", "local")


def manifest_file() -> Path:
    return project_dir() / "target" / "manifest.json"


def dbt_task_group(
    *,
    select: list[str] | None = None,
    execution_mode: str = "watcher",
    group_id: str = GROUP_ID,
) -> Any:
    """The cosmos `DbtTaskGroup` of the whole project (or `select`), in the current DAG context.

    `execution_mode="local"` renders the one-dbt-process-per-task graph; it is kept for the
    side-by-side measurement in docs/analytics.md and as a fallback.
    """
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import (
        DbtResourceType,
        ExecutionMode,
        InvocationMode,
        LoadMode,
        TestBehavior,
    )

    from maicro.transform.model_task import model_task

    if execution_mode not in EXECUTION_MODES:
        raise ValueError(
            f"unknown transform execution mode {execution_mode!r}; "
            f"expected one of {', '.join(EXECUTION_MODES)}"
        )
    project = project_dir()
    watcher = execution_mode == "watcher"
    operator_args: dict[str, Any] = {
        "install_deps": False,
        "append_env": True,
        # the interpreter of the virtualenv Airflow runs in (has maicro and dbt)
        "env": {"MAICRO_PYTHON": sys.executable, "MAICRO_DBT_TARGET": "cloud"},
    }
    if watcher:
        # not deferrable: behind the producer a sensor's first poke finds its node's status
        operator_args |= {"deferrable": False, "poke_interval": POKE_INTERVAL_S}
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=project,
            manifest_path=manifest_file(),
            project_name="maicro_analytics",
            install_dbt_deps=False,
            partial_parse=True,
        ),
        profile_config=ProfileConfig(
            profile_name="maicro",
            target_name="cloud",
            profiles_yml_filepath=project / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER if watcher else ExecutionMode.LOCAL,
            dbt_executable_path=project / "bin" / "dbt-maicro",
            # never dbt's in-process runner: it would bypass dbt-maicro's run-time credentials
            invocation_mode=InvocationMode.SUBPROCESS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            select=list(select or []),
            emit_datasets=False,
            # WATCHER: one task per model, answering for the model and its tests (module doc)
            node_converters={DbtResourceType.MODEL: model_task} if watcher else None,
        ),
        operator_args=operator_args,
    )
    if watcher:
        _producer_first(group)
    attach_mart_assets(group)
    return group


def _producer_first(group: Any) -> None:
    """Put the producer upstream of every root sensor (module docstring: why)."""
    from airflow.task.trigger_rule import TriggerRule

    producer_id = f"{group.group_id}.{PRODUCER_TASK}"
    tasks = {task.task_id: task for task in group.dag.tasks}
    producer = tasks[producer_id]
    # No retries: a retry would clear the XCom statuses every sensor reads (they would all fall
    # back to running dbt themselves), and cosmos skips the producer's retry anyway. With the
    # failed build's statuses kept, only the failed nodes' sensors fail, and retry alone.
    producer.retries = 0
    # Several runs may be active (the DAG's max_active_runs), so that a run's build can start while
    # the previous run's sensors still report; but never two builds at once.
    producer.max_active_tis_per_dag = 1
    # Its run_results.json (written in cosmos' throwaway project copy unless DBT_TARGET_PATH
    # points elsewhere) goes where the health monitor's dbt_tests check reads it; an import path,
    # resolved when the task runs, not at parse time.
    producer.callback = "maicro.transform.runner.keep_build_results"
    for task in tasks.values():
        if task.task_id.startswith(producer_id) or task.upstream_task_ids:
            continue
        producer >> task
        task.trigger_rule = TriggerRule.ALL_DONE


def mart_final_task_ids(task_ids: list[str], group_id: str = GROUP_ID) -> dict[str, str]:
    """mart -> the task after which it is built and tested.

    That is `<mart>` (WATCHER: the model and its tests), else `<mart>.test`, else `<mart>.run`.

    Marts left out by a selection are simply absent.
    """
    present = set(task_ids)
    final = {}
    for mart in catalog.MARTS:
        for task_id in (f"{group_id}.{mart}", f"{group_id}.{mart}.test", f"{group_id}.{mart}.run"):
            if task_id in present:
                final[mart] = task_id
                break
    return final


def attach_mart_assets(group: Any) -> dict[str, str]:
    """Give each mart's final task the mart's Asset as its outlet; returns mart -> task id."""
    from airflow.sdk import Asset

    tasks = {task.task_id: task for task in group.dag.tasks}
    final = mart_final_task_ids(list(tasks), group.group_id)
    for mart, task_id in final.items():
        tasks[task_id].outlets = [*tasks[task_id].outlets, Asset(catalog.mart_uri(mart))]
    return final
