"""The Airflow secrets backend that serves the ClickHouse connections
(`maicro.clickhouse.airflow_connections`): `clickhouse_<local|cloud>_<role>`, built on request
from maicro's settings.

Why a backend rather than AIRFLOW_CONN_* variables: every Airflow component asks it (scheduler,
API server, triggerer, and workers, which fall back to `[secrets] backend`), wherever it runs
(`make demo`'s standalone, the compose stack's containers) and whenever it asks, so nobody has to
copy connection strings into an environment and a restarted embedded server's new port is seen.
Ids it does not know fall through to the environment variables and the metastore as usual.
Kept apart from airflow_connections because that module must not import Airflow.

    AIRFLOW__SECRETS__BACKEND=maicro.clickhouse.airflow_secrets.ClickHouseConnections
"""

from __future__ import annotations

from airflow.secrets import BaseSecretsBackend

from maicro.clickhouse.airflow_connections import connection


class ClickHouseConnections(BaseSecretsBackend):
    def get_conn_value(self, conn_id: str, team_name: str | None = None) -> str | None:
        return connection(conn_id)

    def get_variable(self, key: str, team_name: str | None = None) -> str | None:
        """No Variables here: None lets Airflow look further (environment, metastore). The base
        class raises NotImplementedError, which Airflow logs as an error with a traceback on
        every Variable access (cosmos' watcher producer makes several per build)."""
        return None
