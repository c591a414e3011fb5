"""clickhouse-connect clients for a (server, role) pair: the only way the package connects."""

from __future__ import annotations

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from maicro import settings
from maicro.clickhouse.endpoints import Endpoint, resolve
from maicro.errors import MaicroError


def connect(
    server: str,
    role: str,
    *,
    database: str | None = None,
    endpoint: Endpoint | None = None,
    **kwargs,
) -> Client:
    """A client logged in as `maicro_<role>` on `server` (local or cloud)."""
    endpoint = endpoint or resolve(server)
    try:
        return clickhouse_connect.get_client(
            host=endpoint.host,
            port=endpoint.http_port,
            secure=endpoint.secure,
            username=settings.user(role),
            password=settings.get().password(role),
            database=database or "",
            connect_timeout=kwargs.pop("connect_timeout", 5),
            send_receive_timeout=kwargs.pop("send_receive_timeout", 300),
            autogenerate_session_id=False,
            **kwargs,
        )
    except ClickHouseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MaicroError(
            f"cannot connect to the {server} ClickHouse at {endpoint.http_url} as "
            f"{settings.user(role)}: {first}"
        ) from exc
