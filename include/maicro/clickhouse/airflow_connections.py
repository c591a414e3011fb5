"""ClickHouse as Airflow connections: one per (server, role), built from the same settings and
endpoint resolution the CLI connects with, handed to Airflow as AIRFLOW_CONN_* variables by
`maicro.stack.airflow_env` (the one place Airflow's environment is built).

Why derived, not configured: Airflow and `maicro` then cannot disagree about where ClickHouse is
or which password a role has (embedded servers publish their ports in the state dir at start).
Airflow finds the hook of the `clickhouse_connect` type (`maicro.clickhouse.airflow_hook`) through
the package's `apache_airflow_provider` entry point, `provider_info` (this module imports no
Airflow: providers are discovered while Airflow's configuration loads).
"""

from __future__ import annotations

import json
from typing import Any

from maicro import settings

CONN_TYPE = "clickhouse_connect"
SERVERS = ("local", "cloud")
# Airflow tasks never need the admin role (migrations and users are `maicro clickhouse` work).
AIRFLOW_ROLES = tuple(r for r in settings.ROLES if r != "admin")


def conn_id(server: str, role: str) -> str:
    """The Airflow connection id of `role` on `server`, e.g. clickhouse_cloud_reader."""
    return f"clickhouse_{server}_{role}"


def connections() -> dict[str, str]:
    """AIRFLOW_CONN_* variables for every role on every server whose endpoint resolves now (an
    embedded server that is not running has no port yet, and no connection)."""
    from maicro.clickhouse.endpoints import resolve
    from maicro.errors import MaicroError

    config = settings.get()
    out = {}
    for server in SERVERS:
        try:
            endpoint = resolve(server)
        except MaicroError:
            continue
        for role in AIRFLOW_ROLES:
            conn = {
                "conn_type": CONN_TYPE,
                "host": endpoint.host,
                "port": endpoint.http_port,
                "login": settings.user(role),
                "password": config.password(role),
                "extra": {"secure": endpoint.secure},
            }
            out[f"AIRFLOW_CONN_{conn_id(server, role).upper()}"] = json.dumps(conn)
    return out


def provider_info() -> dict[str, Any]:
    """The `apache_airflow_provider` entry point: registers the connection type's hook."""
    return {
        "package-name": "maicro",
        "name": "maicro",
        "description": "maicro-monitors: ClickHouse through clickhouse-connect's DB-API.",
        "connection-types": [
            {
                "hook-class-name": "maicro.clickhouse.airflow_hook.ClickHouseHook",
                "connection-type": CONN_TYPE,
            }
        ],
    }
