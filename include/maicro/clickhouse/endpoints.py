"""Where the two ClickHouse servers are: an external URL from the environment, or the embedded one.

`MAICRO_LOCAL_CLICKHOUSE_URL` / `MAICRO_CLOUD_CLICKHOUSE_URL` point at real servers
(`http://host:8123` or `https://host:8443`; add `?native_port=9440` when the native port is not
the usual one). Unset means the embedded server of that name, whose ports are read from the
state file it wrote when it started. Everything else in the package asks this module, so no code
assumes the embedded server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from maicro import settings
from maicro.errors import MaicroError

SERVERS = ("local", "cloud")


@dataclass(frozen=True)
class Endpoint:
    name: str  # local | cloud
    kind: str  # embedded | external
    host: str
    http_port: int
    native_port: int
    secure: bool = False

    @property
    def http_url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.host}:{self.http_port}"


def external_url(name: str) -> str | None:
    return settings.get().clickhouse_url(name)


def parse_url(name: str, url: str) -> Endpoint:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise MaicroError(
            f"MAICRO_{name.upper()}_CLICKHOUSE_URL={url!r} is not an http(s)://host:port URL"
        )
    secure = parsed.scheme == "https"
    native = parse_qs(parsed.query).get("native_port", [None])[0]
    return Endpoint(
        name=name,
        kind="external",
        host=parsed.hostname,
        http_port=parsed.port or (8443 if secure else 8123),
        native_port=int(native) if native else (9440 if secure else 9000),
        secure=secure,
    )


def resolve(name: str) -> Endpoint:
    """The endpoint of server `name`; raises if it is embedded and not running."""
    if name not in SERVERS:
        raise MaicroError(f"unknown server {name!r}; expected local or cloud")
    url = external_url(name)
    if url:
        return parse_url(name, url)
    state_file = settings.get().state_dir / "clickhouse" / name / "server.json"
    if not state_file.exists():
        raise MaicroError(
            f"the embedded {name} ClickHouse is not running: start it with `maicro clickhouse up`"
        )
    state = json.loads(state_file.read_text())
    return Endpoint(
        name=name,
        kind="embedded",
        host=state["host"],
        http_port=state["http_port"],
        native_port=state["tcp_port"],
    )
