"""What `maicro clickhouse status` shows: per server its URL, health, version, uptime, databases."""

from __future__ import annotations

from dataclasses import dataclass, field

from maicro.clickhouse import embedded
from maicro.clickhouse.client import connect
from maicro.clickhouse.endpoints import SERVERS, resolve
from maicro.errors import MaicroError

EXPECTED_DATABASES = ("hyperliquid", "maicro_logs", "maicro_monitors", "binance", "analytics")


@dataclass
class ServerStatus:
    name: str
    kind: str
    url: str
    healthy: bool
    version: str = ""
    uptime_s: int = 0
    databases: list[str] = field(default_factory=list)
    error: str = ""

    def line(self) -> str:
        head = f"{self.name:<6} {self.kind:<8} {self.url:<26}"
        if not self.healthy:
            return f"{head} DOWN  {self.error}"
        missing = [db for db in EXPECTED_DATABASES if db not in self.databases]
        schema = (
            "schema ok"
            if not missing
            else f"missing: {','.join(missing)} (run `maicro clickhouse migrate`)"
        )
        return (
            f"{head} healthy  ClickHouse {self.version}  up {self.uptime_s}s  "
            f"databases: {','.join(self.databases)}  [{schema}]"
        )


def server_status(name: str) -> ServerStatus:
    try:
        endpoint = resolve(name)
    except MaicroError as exc:
        state = embedded.read_state(name)
        url = state.http_url if state else "-"
        return ServerStatus(name, "embedded", url, False, error=str(exc))
    status = ServerStatus(name, endpoint.kind, endpoint.http_url, False)
    if endpoint.kind == "embedded" and not embedded.ping(endpoint.http_url):
        status.error = "no answer to /ping (process gone? run `maicro clickhouse up`)"
        return status
    try:
        client = connect(name, "admin", endpoint=endpoint)
        status.version, status.uptime_s = client.query("SELECT version(), uptime()").result_rows[0]
        status.databases = [
            row[0]
            for row in client.query(
                "SELECT name FROM system.databases WHERE name NOT IN "
                "('system','information_schema','INFORMATION_SCHEMA','default','_temporary_and_external_tables') "
                "ORDER BY name"
            ).result_rows
        ]
        status.healthy = True
        client.close()
    except Exception as exc:  # report, never crash the status line
        status.error = str(exc).strip().splitlines()[0]
    return status


def all_status() -> list[ServerStatus]:
    return [server_status(name) for name in SERVERS]
