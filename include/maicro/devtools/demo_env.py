"""The environment of a throwaway `maicro demo`: for the tests and benches that run the whole
system beside a developer's own demo (and beside each other) without touching either.

Its own state directory, a free port for every service, ClickHouse on ports the servers choose,
fresh role passwords, the built-in simulator (any real exchange or targets file configured in the
caller's environment is dropped) and the file outbox.
"""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

from maicro import settings

SERVICES = ("airflow", "simulator", "dashboard", "docs")
REAL_WORLD = ("HYPERLIQUID_API_URL", "MAICRO_ACCOUNTS", "MAICRO_TARGETS_URL", "RESEND_API_KEY")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_environment(state: Path, **overrides: str) -> dict[str, str]:
    """os.environ plus what isolates a demo in `state`; `overrides` win (e.g. a setting a bench
    changes)."""
    env = {**os.environ, "MAICRO_STATE_DIR": str(state), "MAICRO_EMAIL_TRANSPORT": "file"}
    for name in REAL_WORLD:
        env.pop(name, None)
    for service in SERVICES:
        env[f"MAICRO_{service.upper()}_PORT"] = str(free_port())
    for server in ("LOCAL", "CLOUD"):
        env[f"MAICRO_{server}_HTTP_PORT"] = env[f"MAICRO_{server}_TCP_PORT"] = "0"
    for role in settings.ROLES:
        env[f"MAICRO_{role.upper()}_PASSWORD"] = secrets.token_urlsafe(12)
    return env | overrides
