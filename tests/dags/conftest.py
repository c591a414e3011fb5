"""Session fixture: a migrated SQLite Airflow home in a tmp dir, wired to the test ClickHouse pair."""

from __future__ import annotations

import os
import subprocess

import pytest
from maicro.stack.airflow_env import airflow_environment

from tests.dags.airflow_helpers import AIRFLOW, set_session_env


@pytest.fixture(scope="session")
def airflow_env(clickhouse_pair, tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow-home")
    env = {**os.environ, **airflow_environment(home)}
    result = subprocess.run(
        [AIRFLOW, "db", "migrate"], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, f"airflow db migrate failed:\n{result.stdout}\n{result.stderr}"
    set_session_env(env)
    return env
