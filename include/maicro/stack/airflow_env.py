"""The environment Airflow runs with on one machine (tests, `make demo`): one definition.

SQLite metadata under the state dir, DAGs from the checkout's dags/, no examples, eight
executor slots (short status tasks, measured), no cosmos telemetry (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path

from maicro import settings


def airflow_environment(home: Path | None = None) -> dict[str, str]:
    """Airflow's settings, with the secrets backend that serves one ClickHouse connection per
    role and server (`maicro.clickhouse.airflow_connections`)."""
    from maicro.clickhouse.airflow_connections import SECRETS_BACKEND

    root = settings.project_root()
    home = Path(home or settings.get().state_dir / "airflow")
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__SECRETS__BACKEND": SECRETS_BACKEND,
    }
