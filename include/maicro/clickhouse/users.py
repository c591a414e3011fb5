"""Least-privilege ClickHouse users, defined once and rendered two ways.

The same definition becomes the embedded servers' users.xml and a `CREATE USER … / GRANT …`
script for a real server or ClickHouse Cloud, so a grant can never differ between the two.
Grants differ per server: ingestion only writes the local store, analytics only run on the
cloud replica, the reader only sees the cloud's marts and monitors.
"""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

from maicro import settings
from maicro.catalog import ANALYTICS_DATABASE, RAW_DATABASES
from maicro.clickhouse.client import connect
from maicro.clickhouse.embedded_server import STATEMENTS as EMBEDDED_STATEMENTS

META_DATABASE = "maicro_meta"
SERVERS = ("local", "cloud")


# Since ClickHouse 25.x creating a table also needs a grant on its engine.
TABLE_ENGINES = "GRANT TABLE ENGINE ON *"


def _on_raw(privileges: str) -> list[str]:
    return [f"GRANT {privileges} ON {db}.*" for db in RAW_DATABASES]


# role -> server -> GRANT statements (without the `TO user` part, as users.xml wants them).
GRANTS: dict[str, dict[str, list[str]]] = {
    "admin": {
        # Migrations and operations: everything, on both servers.
        "local": ["GRANT ALL ON *.* WITH GRANT OPTION"],
        "cloud": ["GRANT ALL ON *.* WITH GRANT OPTION"],
    },
    "ingest": {
        # Writes what the exchange and the strategies report into the local raw databases.
        "local": _on_raw("SELECT, INSERT"),
        "cloud": [],
    },
    "replicator": {
        # Reads the local raw databases and pushes them server-to-server (remote()); reads
        # system.parts to see which partitions changed; records its own runs and verifications
        # locally (they reach the cloud with the next sync, even after a cloud outage).
        "local": _on_raw("SELECT")
        + [
            "GRANT REMOTE, CREATE TEMPORARY TABLE ON *.*",
            "GRANT SELECT ON system.parts",
            "GRANT INSERT ON maicro_monitors.replication_runs",
            "GRANT INSERT ON maicro_monitors.verification_results",
        ],
        # Creates (databases and tables a new producer added), alters (schema drift), replaces
        # partitions of the cloud copies, and keeps its watermarks and per-run staging tables in
        # the cloud's own bookkeeping database.
        "cloud": _on_raw("SELECT, INSERT, CREATE DATABASE, CREATE TABLE, ALTER, OPTIMIZE, TRUNCATE")
        + [
            f"GRANT SELECT, INSERT, CREATE DATABASE, CREATE TABLE, ALTER, TRUNCATE, DROP TABLE "
            f"ON {META_DATABASE}.*",
            f"GRANT SYSTEM MERGES ON {META_DATABASE}.*",
            "GRANT SELECT ON system.parts",
            TABLE_ENGINES,
        ],
    },
    "transform": {
        # dbt: reads the replicated raw data, owns the analytics database.
        "local": [],
        "cloud": _on_raw("SELECT")
        + [
            f"GRANT SELECT, INSERT, ALTER, CREATE DATABASE, CREATE TABLE, CREATE VIEW, DROP TABLE, "
            f"DROP VIEW, TRUNCATE, OPTIMIZE, SHOW ON {ANALYTICS_DATABASE}.*",
            "GRANT CREATE TEMPORARY TABLE ON *.*",
            TABLE_ENGINES,
            # dbt-clickhouse's insert_overwrite incrementals list the new data's partitions.
            "GRANT SELECT ON system.parts",
        ],
    },
    "reader": {
        # Dashboard and reports: the marts and the pipeline's health, nothing raw.
        "local": [],
        "cloud": [f"GRANT SELECT ON {ANALYTICS_DATABASE}.*", "GRANT SELECT ON maicro_monitors.*"],
    },
    "notifier": {
        # Reports and alerts record what they sent (and alert state) in the local store, from
        # where replication brings it to the cloud for the dashboard; they read the marts as
        # the reader. Nothing else: a leaked notifier password cannot touch exchange data.
        "local": [
            "GRANT SELECT, INSERT ON maicro_monitors.report_deliveries",
            "GRANT SELECT, INSERT ON maicro_monitors.alerts",
            # The Airflow DAG run listener (plugins/) records run states for the dashboard.
            "GRANT INSERT ON maicro_monitors.dag_runs",
        ],
        "cloud": [],
    },
    "monitor": {
        # The health checks: read the pipeline's raw data and run logs on both servers and the
        # marts on the cloud; write only their own results and the data-feed probes, locally.
        "local": _on_raw("SELECT")
        + [
            "GRANT INSERT ON maicro_monitors.health_checks",
            "GRANT INSERT ON maicro_monitors.api_probes",
        ],
        "cloud": _on_raw("SELECT") + [f"GRANT SELECT ON {ANALYTICS_DATABASE}.*"],
    },
}

# What the embedded server's in-process session (always `default`, from 127.0.0.1, without a
# password; chdb hard-codes all three) needs to start its listeners and idle.
EMBEDDED_DEFAULT_GRANTS = ["GRANT SYSTEM LISTEN ON *.*", "GRANT SELECT ON system.numbers"]

# Network clients also arrive from 127.0.0.1, so neither <networks>, a password nor grants can
# tell them from that session (docs/architecture.md, "The embedded ClickHouse"). A quota can:
# `default` may run exactly the session's own statements per server lifetime (quota usage lives
# in memory and restarts with the server), so every later query as `default`, over HTTP or
# native, is refused with QUOTA_EXCEEDED. The interval is the longest ClickHouse accepts (int32
# seconds); intervals are aligned to the epoch, so this one ends on 2038-01-19.
EMBEDDED_DEFAULT_QUOTA = (
    "<embedded_default><interval><duration>2147483647</duration>"
    f"<queries>{len(EMBEDDED_STATEMENTS)}</queries></interval></embedded_default>"
)


def _sha256(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def render_users_xml(server: str) -> str:
    """users.xml for an embedded server; passwords stored as SHA-256, never in clear."""
    if server not in SERVERS:
        raise ValueError(f"server must be one of {SERVERS}, not {server!r}")
    users = [
        "<default><password></password>"
        "<networks><ip>127.0.0.1</ip></networks>"
        "<profile>default</profile><quota>embedded_default</quota>"
        f"<grants>{''.join(f'<query>{escape(q)}</query>' for q in EMBEDDED_DEFAULT_GRANTS)}</grants>"
        "</default>"
    ]
    for role, per_server in GRANTS.items():
        name = settings.user(role)
        queries = "".join(f"<query>{escape(q)}</query>" for q in per_server[server])
        users.append(
            f"<{name}><password_sha256_hex>{_sha256(settings.get().password(role))}</password_sha256_hex>"
            "<networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota>"
            f"<grants>{queries}</grants></{name}>"
        )
    return (
        "<clickhouse>\n"
        "  <profiles><default/></profiles>\n"
        f"  <quotas><default/>{EMBEDDED_DEFAULT_QUOTA}</quotas>\n"
        "  <users>\n    " + "\n    ".join(users) + "\n  </users>\n"
        "</clickhouse>\n"
    )


def render_users_sql(server: str, *, roles: tuple[str, ...] = tuple(GRANTS)) -> str:
    """The same users as SQL for a real server (run once as an administrator)."""
    if server not in SERVERS:
        raise ValueError(f"server must be one of {SERVERS}, not {server!r}")
    lines = [
        f"-- maicro users for the {server} server (generated by `maicro clickhouse users-sql`)"
    ]
    for role, per_server in ((r, GRANTS[r]) for r in roles):
        name = settings.user(role)
        lines.append(
            f"CREATE USER IF NOT EXISTS {name} IDENTIFIED WITH sha256_hash BY "
            f"'{_sha256(settings.get().password(role))}';"
        )
        lines.append(f"REVOKE ALL ON *.* FROM {name};")
        lines.extend(
            f"{grant.replace(' WITH GRANT OPTION', '')} TO {name}"
            f"{' WITH GRANT OPTION' if 'WITH GRANT OPTION' in grant else ''};"
            for grant in per_server[server]
        )
    return "\n".join(lines) + "\n"


def apply_users(server: str, *, log=print) -> None:
    """Create/update the service users on a real server, logged in as maicro_admin.

    For a fresh server whose administrator is `maicro_admin` (e.g. the docker image started with
    CLICKHOUSE_USER=maicro_admin); the admin's own grants are left to whoever created it.
    """
    client = connect(server, "admin")
    sql = render_users_sql(server, roles=tuple(role for role in GRANTS if role != "admin"))
    for statement in (s.strip() for s in sql.split(";\n")):
        if statement and not statement.startswith("--"):
            client.command(statement.rstrip(";"))
    client.close()
    log(f"{server}: users {', '.join(settings.user(r) for r in GRANTS if r != 'admin')} applied")
