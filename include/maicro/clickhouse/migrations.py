"""Forward-only numbered schema migrations, applied to both servers and recorded per server.

Files `migrations/NNNN_name.sql` run in order; each applied one is recorded in
`maicro_meta.schema_migrations` with its checksum, so `migrate` is idempotent and an edited
migration that already ran is reported instead of silently diverging. Statements use
IF NOT EXISTS so a migration interrupted half-way can simply be run again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from maicro.clickhouse.client import connect
from maicro.errors import MaicroError

META_DDL = (
    "CREATE DATABASE IF NOT EXISTS maicro_meta",
    """CREATE TABLE IF NOT EXISTS maicro_meta.schema_migrations
       (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
       ENGINE = ReplacingMergeTree(applied_at) ORDER BY version""",
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        without_comments = "\n".join(
            line for line in self.sql.splitlines() if not line.strip().startswith("--")
        )
        return [s.strip() for s in re.split(r";\s*(?:\n|$)", without_comments) if s.strip()]


def available() -> list[Migration]:
    folder = resources.files("maicro.clickhouse") / "migrations"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MaicroError(f"two migrations share a number: {versions}")
    return found


def migrate(server: str, *, log=print) -> list[Migration]:
    """Apply pending migrations to `server` as maicro_admin; returns those applied now."""
    client = connect(server, "admin")
    for ddl in META_DDL:
        client.command(ddl)
    applied = {
        row[0]: row[1]
        for row in client.query(
            "SELECT version, checksum FROM maicro_meta.schema_migrations FINAL"
        ).result_rows
    }
    done = []
    for migration in available():
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise MaicroError(
                    f"{server}: migration {migration.version:04d}_{migration.name} was edited after "
                    "it was applied; migrations are forward-only: add a new one instead"
                )
            continue
        for statement in migration.statements():
            try:
                client.command(statement)
            except Exception as exc:
                raise MaicroError(
                    f"{server}: migration {migration.version:04d}_{migration.name} failed: "
                    f"{str(exc).strip().splitlines()[0]}"
                ) from exc
        client.insert(
            "maicro_meta.schema_migrations",
            [[migration.version, migration.name, migration.checksum]],
            column_names=["version", "name", "checksum"],
        )
        log(f"{server}: applied migration {migration.version:04d}_{migration.name}")
        done.append(migration)
    if not done:
        log(f"{server}: schema up to date ({len(applied)} migrations)")
    client.close()
    return done
