"""ClickHouse as Airflow connections: one per (server, role), built from the same settings and
endpoint resolution the CLI connects with, and served to every Airflow component by the secrets
backend `maicro.clickhouse.airflow_secrets.ClickHouseConnections` (set as
AIRFLOW__SECRETS__BACKEND by `maicro.stack.airflow_env` and by docker-compose.yaml).

Why derived, not configured: Airflow and `maicro` then cannot disagree about where ClickHouse is
or which password a role has (embedded servers publish their ports in the state dir at start,
and a connection is built when it is asked for, so a restarted server's new port is used).
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
# AIRFLOW__SECRETS__BACKEND for every Airflow component (named here: this module imports no Airflow)
SECRETS_BACKEND = "maicro.clickhouse.airflow_secrets.ClickHouseConnections"


def conn_id(server: str, role: str) -> str:
    """The Airflow connection id of `role` on `server`, e.g. clickhouse_cloud_reader."""
    return f"clickhouse_{server}_{role}"


def connection(conn_id_: str) -> str | None:
    """The connection `conn_id_` names, as Airflow's JSON; None for an id that is not ours, a
    role Airflow has no business with, or a server whose endpoint does not resolve now (an
    embedded server that is not running has no port yet)."""
    from maicro.clickhouse.endpoints import resolve
    from maicro.errors import MaicroError

    wanted = {conn_id(s, r): (s, r) for s in SERVERS for r in AIRFLOW_ROLES}.get(conn_id_)
    if wanted is None:
        return None
    server, role = wanted
    try:
        endpoint = resolve(server)
    except MaicroError:
        return None
    config = settings.get()
    return json.dumps(
        {
            "conn_type": CONN_TYPE,
            "host": endpoint.host,
            "port": endpoint.http_port,
            "login": settings.user(role),
            "password": config.password(role),
            "extra": {"secure": endpoint.secure},
        }
    )


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
