"""The cloud server a sync goes to: the primary, or the secondary when the primary is down.

The primary is the `cloud` endpoint (MAICRO_CLOUD_CLICKHOUSE_URL or the embedded cloud); the
secondary is MAICRO_CLOUD_CLICKHOUSE_SECONDARY_URL, same URL form. Both are used as
`maicro_replicator` only. Each server keeps its own watermarks, so switching target simply
sends the secondary whatever it does not have yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from maicro import settings
from maicro.clickhouse import endpoints
from maicro.clickhouse.client import connect
from maicro.clickhouse.endpoints import Endpoint
from maicro.errors import MaicroError

SECONDARY_ENV = "MAICRO_CLOUD_CLICKHOUSE_SECONDARY_URL"
ROLE = "replicator"


@dataclass(frozen=True)
class Target:
    label: str  # primary | secondary
    endpoint: Endpoint

    def client(self) -> Client:
        return connect("cloud", ROLE, endpoint=self.endpoint, send_receive_timeout=3600)

    def remote_function(self, database: str, table: str) -> str:
        """remote()/remoteSecure() addressing this server's native port, as the local server sees it.

        Contains the password: never log it, and pass every error through `scrub`.
        """
        function = "remoteSecure" if self.endpoint.secure else "remote"
        return (
            f"{function}('{self.endpoint.host}:{self.endpoint.native_port}', '{database}', "
            f"'{table}', '{settings.user(ROLE)}', '{_quote(settings.get().password(ROLE))}')"
        )


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def scrub(text: str) -> str:
    """`text` without the replicator's password (remote() puts it into query and error texts)."""
    try:
        secret = settings.get().password(ROLE)
    except MaicroError:
        return text
    for form in {secret, _quote(secret)}:
        if form:
            text = text.replace(form, "[HIDDEN]")
    return text


def first_line(exc: BaseException) -> str:
    """One scrubbed line of an exception, without the driver's boilerplate."""
    text = scrub(str(exc)).strip()
    for marker in ("server response: ", "DB::Exception: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    line = text.splitlines()[0] if text else type(exc).__name__
    return line.split(" (version ")[0][:400]


def candidates() -> list[Target | MaicroError]:
    """Primary then secondary; an endpoint that cannot even be resolved is its own error."""
    try:
        found: list[Target | MaicroError] = [Target("primary", endpoints.resolve("cloud"))]
    except MaicroError as exc:  # e.g. the embedded cloud is not running
        found = [exc]
    secondary = settings.get().maicro_cloud_clickhouse_secondary_url
    if secondary:
        endpoint = endpoints.parse_url("cloud", secondary)
        found.append(Target("secondary", endpoint))
    return found


def reachable(target: Target) -> str | None:
    """None if `target` answers a query as maicro_replicator, else the reason."""
    try:
        client = connect(
            "cloud", ROLE, endpoint=target.endpoint, connect_timeout=3, send_receive_timeout=10
        )
        client.command("SELECT 1")
        client.close()
        return None
    except Exception as exc:  # connection refused, timeout, auth: all mean "not usable now"
        return first_line(exc)


def choose(log=print) -> Target:
    """The first usable cloud server; logs a fallback; raises naming every failed endpoint."""
    failures = []
    for target in candidates():
        if isinstance(target, MaicroError):
            failures.append(f"primary: {target}")
            continue
        reason = reachable(target)
        if reason is None:
            if failures:
                log(
                    f"replicate: primary cloud unreachable ({failures[0]}); "
                    f"syncing to the secondary {target.endpoint.http_url}"
                )
            return target
        failures.append(f"{target.label} {target.endpoint.http_url}: {reason}")
    hint = "" if len(failures) > 1 else f" (no {SECONDARY_ENV} configured)"
    raise MaicroError("cloud ClickHouse unreachable: " + "; ".join(failures) + hint)
