"""One Airflow task per dbt model in the WATCHER graph: green once dbt built it and its tests passed.

Why not cosmos' own rendering: with `TestBehavior.AFTER_EACH` cosmos draws two status tasks per
model (`<model>.run`, `<model>.test`), 68 for this project; each is an Airflow task process
(start-up, DAG parse, metadata updates) that finds its answer on its first poke, and on 2 cores
those processes, not dbt, were most of a run's time. Cosmos refuses `TestBehavior.BUILD` in
WATCHER mode, and `TestBehavior.NONE` drops the tests from the producer's `dbt build`. So the
graph keeps AFTER_EACH (the build runs every test, and cosmos aggregates each model's test
verdicts into one XCom) and this converter (cosmos' `RenderConfig.node_converters`, its
documented extension point) draws each model as ONE task that:

* succeeds when the model's node succeeded AND its tests' aggregated verdict passed (or warned);
* fails naming the model when either failed, so the models after it stay `upstream_failed`
  (tests still gate what follows, as dbt's build itself does);
* on a retry or a clear runs `dbt build --select <model>`: the model and its tests, alone.
"""

from __future__ import annotations

from typing import Any

from airflow.exceptions import AirflowException
from cosmos.operators._watcher.aggregation import get_tests_status_xcom_key
from cosmos.operators._watcher.state import (
    get_xcom_val,
    is_dbt_node_status_success,
    is_producer_task_terminated,
)
from cosmos.operators.watcher import DbtRunWatcherOperator


class DbtModelAndTestsSensor(DbtRunWatcherOperator):
    """A model's status task that also waits for, and answers for, the model's tests."""

    # what a retry or a clear runs (cosmos' fallback), with `--select <model>`
    base_cmd = ["build"]

    def __init__(self, *, has_tests: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.has_tests = has_tests
        self._built_here = False

    @property
    def _resource_label(self) -> str:
        return "Model and its tests"

    def _fallback_to_non_watcher_run(self, try_number: int, context: Any) -> bool:
        # `dbt build --select <model>` raises on a failing model or test, so returning means both
        # passed here, whatever the producer's build reported
        self._built_here = super()._fallback_to_non_watcher_run(try_number, context)
        return self._built_here

    def poke(self, context: Any) -> bool:
        if not super().poke(context):  # the model's own node (or the fallback build)
            return False
        if self._built_here or not self.has_tests:
            return True
        verdict = get_xcom_val(
            context["ti"], self.producer_task_id, get_tests_status_xcom_key(self.model_unique_id)
        )
        if verdict is None:
            # the build reports a model's verdict once its last test ends; a build that ended
            # without it (crashed, or stopped) leaves this to the retry's own build
            if is_producer_task_terminated(self._get_producer_task_status(context)):
                raise AirflowException(
                    f"dbt built model '{self.model_unique_id}', but the build ended before its "
                    f"tests reported; see the log of '{self.producer_task_id}'. A retry runs "
                    "`dbt build` for this model alone."
                )
            return False
        if is_dbt_node_status_success(verdict):
            return True
        raise AirflowException(
            f"dbt built model '{self.model_unique_id}', but its tests failed (verdict "
            f"'{verdict}'); the failing tests are in the log of '{self.producer_task_id}'"
        )


def model_task(*, dag: Any, task_group: Any, node: Any, task_args: dict[str, Any], **_: Any) -> Any:
    """cosmos node converter for models: one `DbtModelAndTestsSensor` named after the model."""
    return DbtModelAndTestsSensor(
        task_id=node.name,
        dag=dag,
        task_group=task_group,
        has_tests=bool(node.has_test),
        # what cosmos gives its own sensors; `dbt_node_config` names the node they watch
        extra_context={
            "dbt_node_config": node.context_dict,
            "package_name": node.package_name,
        },
        **task_args,
    )
