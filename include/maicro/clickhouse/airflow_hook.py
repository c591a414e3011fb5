"""A small DbApiHook over clickhouse-connect's DB-API (`clickhouse_connect.dbapi`, PEP 249).

Why a hook of our own: the maintained ClickHouse plugins for Airflow wrap clickhouse-driver (the
native protocol), while the project speaks HTTP through clickhouse-connect everywhere. With this
hook the common-sql provider's check operators (SQLCheckOperator, SQLColumnCheckOperator, ...)
run against ClickHouse as a least-privilege role. Its connections, one per (server, role), are
derived from the CLI's settings in `maicro.clickhouse.airflow_connections`.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from maicro.clickhouse.airflow_connections import CONN_TYPE, conn_id


class ClickHouseHook(DbApiHook):
    """`ClickHouseHook("clickhouse_local_monitor").get_records(sql)` and everything DbApiHook
    offers, through clickhouse-connect's DB-API over HTTP(S)."""

    conn_name_attr = "clickhouse_conn_id"
    default_conn_name = conn_id("local", "reader")
    conn_type = CONN_TYPE
    hook_name = "ClickHouse (clickhouse-connect)"
    supports_autocommit = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Connection extras arrive as hook params (common-sql's get_hook): keep only our own.
        self.secure = bool(kwargs.pop("secure", False))
        super().__init__(*args, **kwargs)

    def get_conn(self):
        from clickhouse_connect import dbapi

        conn = self.get_connection(getattr(self, self.conn_name_attr))
        return dbapi.connect(
            host=conn.host,
            port=conn.port,
            username=conn.login or "",
            password=conn.password or "",
            database=conn.schema or None,
            secure=self.secure or bool(conn.extra_dejson.get("secure")),
            connect_timeout=5,
            send_receive_timeout=300,
        )
