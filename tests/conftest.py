"""Shared fixtures: a real embedded ClickHouse pair on OS-assigned ports, in a throwaway state dir.

The pair is started once per test session (startup < 2 s) with random passwords, so tests never
touch the developer's `.env` servers. `fresh_clickhouse` empties every table between tests that
need a clean slate.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Keep the developer's environment out of the tests: no external servers, no .env secrets.
for _name in ("MAICRO_LOCAL_CLICKHOUSE_URL", "MAICRO_CLOUD_CLICKHOUSE_URL"):
    os.environ.pop(_name, None)
os.environ["MAICRO_ENV_FILE"] = str(ROOT / "tests" / ".env.does-not-exist")


@dataclass
class Pair:
    state_dir: Path
    env: dict[str, str]

    def client(self, server: str, role: str = "admin", **kwargs):
        from maicro.clickhouse.client import connect

        return connect(server, role, **kwargs)

    def endpoint(self, server: str):
        from maicro.clickhouse.endpoints import resolve

        return resolve(server)


@pytest.fixture(scope="session")
def clickhouse_pair(tmp_path_factory) -> Pair:
    """Both embedded servers, migrated, for the whole session; stopped at the end."""
    from maicro.clickhouse import embedded, migrations

    state = tmp_path_factory.mktemp("maicro-state")
    env = {
        "MAICRO_STATE_DIR": str(state),
        "MAICRO_LOCAL_HTTP_PORT": "0",
        "MAICRO_LOCAL_TCP_PORT": "0",
        "MAICRO_CLOUD_HTTP_PORT": "0",
        "MAICRO_CLOUD_TCP_PORT": "0",
    }
    from maicro import settings

    for role in settings.ROLES:
        env[f"MAICRO_{role.upper()}_PASSWORD"] = secrets.token_urlsafe(12)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        for name in ("local", "cloud"):
            embedded.up(name, log=lambda *_: None)
        try:
            for name in ("local", "cloud"):
                migrations.migrate(name, log=lambda *_: None)
            yield Pair(state, env)
        finally:
            for name in ("local", "cloud"):
                embedded.down(name, log=lambda *_: None)


DATA_DATABASES = ("hyperliquid", "maicro_logs", "maicro_monitors", "binance", "analytics")


@pytest.fixture
def fresh_clickhouse(clickhouse_pair: Pair) -> Pair:
    """The session pair with every data table emptied and unknown tables dropped on both servers."""
    reset_pair(clickhouse_pair)
    return clickhouse_pair


def reset_pair(clickhouse_pair: Pair) -> None:
    """Empty every data and bookkeeping table of both servers (replication signatures included),
    drop tables the migrations do not create (analytics, foreign tables) and recreate any
    migration table a test dropped. Module-scoped fixtures call it directly."""
    from maicro.clickhouse.migrations import available

    known = {
        line.split("IF NOT EXISTS", 1)[1].split()[0].strip()
        for m in available()
        for line in m.sql.splitlines()
        if line.startswith("CREATE TABLE IF NOT EXISTS")
    }
    for server in ("local", "cloud"):
        client = clickhouse_pair.client(server)
        tables = client.query(
            "SELECT database, name FROM system.tables WHERE database IN {dbs:Array(String)} "
            "AND NOT is_temporary",
            parameters={"dbs": list(DATA_DATABASES)},
        ).result_rows
        for database, name in tables:
            if f"{database}.{name}" in known and not (
                server == "cloud" and database == "analytics"
            ):
                client.command(f"TRUNCATE TABLE `{database}`.`{name}`")
            else:
                client.command(f"DROP TABLE IF EXISTS `{database}`.`{name}` SYNC")
        client.command("CREATE DATABASE IF NOT EXISTS maicro_meta")
        for database, name in client.query(
            "SELECT database, name FROM system.tables WHERE database = 'maicro_meta' "
            "AND name != 'schema_migrations'"
        ).result_rows:
            client.command(f"TRUNCATE TABLE `{database}`.`{name}`")
        client.close()
    # Tables that migrations create must exist again after drops (e.g. a test dropped one).
    from maicro.clickhouse import migrations

    for server in ("local", "cloud"):
        client = clickhouse_pair.client(server)
        for migration in migrations.available():
            for statement in migration.statements():
                client.command(statement)
        client.close()


def run_maicro(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, check: bool = False
) -> subprocess.CompletedProcess:
    """Run the real `maicro` console script as a user would."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "maicro"), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"maicro {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def simulated_pipeline(clickhouse_pair, tmp_path_factory):
    """Factory for a module's simulator-fed pipeline, all real: `simulated_pipeline(seed=,
    origin_ms=, days=, verify=)` empties both servers, runs `maicro ingest` once per day (the
    simulator's clock frozen at the day's last millisecond, so live snapshots value the day's
    close), `maicro replicate`, with `verify` `maicro verify` and a second replicate (bringing
    the verification to the cloud, as reports need), and `maicro transform`. Returns the running
    simulator and the environment the commands ran with; the simulator stops with the module."""
    from maicro.hyperliquid.simulator import SimConfig, start_simulator

    with ExitStack() as stack:

        def run(*, seed: int, origin_ms: int, days: int, verify: bool = False):
            reset_pair(clickhouse_pair)
            now = origin_ms + days * DAY_MS
            config = SimConfig(seed=seed, now_ms=now, days=days, rate_limit=False)
            sim = stack.enter_context(start_simulator(config))
            env = {
                "HYPERLIQUID_API_URL": sim.url,
                "MAICRO_ACCOUNTS": ",".join(f"{a}={s}" for a, s in sim.sim.accounts),
                "MAICRO_TARGETS_URL": f"{sim.url}/strategy/targets.csv",
                "MAICRO_HL_WEIGHT_PER_MINUTE": "0",
                # dbt artifacts of this run apart from a developer's own dbt_project/target
                "DBT_TARGET_PATH": str(tmp_path_factory.mktemp("dbt-target")),
            }
            for day in range(days):
                start, end = origin_ms + day * DAY_MS, origin_ms + (day + 1) * DAY_MS
                sim.set_now(end - 1)
                run_maicro("ingest", "--start", str(start), "--end", str(end), "--quiet",
                           env=env, check=True, timeout=600)  # fmt: skip
            sim.set_now(now)
            run_maicro("replicate", env=env, check=True, timeout=600)
            if verify:
                run_maicro("verify", env=env, check=True, timeout=600)
                run_maicro("replicate", env=env, check=True, timeout=600)  # brings the results
            run_maicro("transform", env=env, check=True, timeout=900)
            return sim, env

        yield run
