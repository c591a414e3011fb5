"""The environment dbt needs: where the project is, and the chosen server's endpoint and credentials.

`profiles.yml` reads only `MAICRO_DBT_*` variables; they are filled here, right before dbt runs,
from the same endpoint resolution the rest of the package uses (external URL or the embedded
server's state file) and the `maicro_transform` password. Nothing is ever written to disk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from maicro import settings
from maicro.clickhouse.endpoints import resolve
from maicro.errors import MaicroError

TARGETS = ("cloud", "local")
ROLE = "transform"


def project_dir() -> Path:
    return settings.project_root() / "dbt_project"


def dbt_executable() -> Path:
    """The dbt of this virtualenv (next to the running interpreter)."""
    path = Path(sys.executable).parent / "dbt"
    if not path.exists():
        raise MaicroError(f"dbt is not installed next to {sys.executable}: run `make setup`")
    return path


def dbt_environment(target: str = "cloud", *, placeholder: bool = False) -> dict[str, str]:
    """os.environ plus what profiles.yml reads for `target`.

    `placeholder=True` is for commands that never connect (`dbt parse` building the manifest
    at setup time): values are syntactically valid but point nowhere.
    """
    if target not in TARGETS:
        raise MaicroError(f"unknown dbt target {target!r}; expected one of {', '.join(TARGETS)}")
    env = dict(os.environ)
    if placeholder:
        host, port, secure, password = "127.0.0.1", 1, False, "unused"
    else:
        endpoint = resolve(target)
        host, port, secure = endpoint.host, endpoint.http_port, endpoint.secure
        password = settings.get().password(ROLE)
    env.update(
        {
            "MAICRO_DBT_TARGET": target,
            "MAICRO_DBT_HOST": host,
            "MAICRO_DBT_PORT": str(port),
            "MAICRO_DBT_SECURE": "true" if secure else "false",
            "MAICRO_DBT_USER": settings.user(ROLE),
            "MAICRO_DBT_PASSWORD": password,
            "DBT_PROFILES_DIR": str(project_dir()),
            "DBT_PROJECT_DIR": str(project_dir()),
            "DBT_SEND_ANONYMOUS_STATISTICS": "false",
            "DO_NOT_TRACK": "1",
        }
    )
    return env
