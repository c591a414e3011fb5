"""Write the git-ignored `.env` with random secrets on first setup.

Run as `python -m maicro.stack.envfile` (by `make setup`). Existing values are never changed, so
secrets stay stable across setups and a user's own values win; a secret added since the file
was written gets appended. Besides the ClickHouse passwords, it writes the secrets the
production compose needs (docker-compose.yaml): the Fernet key that encrypts Airflow
connections, the JWT secret and API secret key that every Airflow 3 component must share (the
API server rejects tokens signed with another), and the Postgres password.
"""

from __future__ import annotations

import base64
import secrets
import sys
from collections.abc import Callable

from dotenv import dotenv_values

from maicro import settings

HEADER = """# Written by `make setup` on first use. Never commit this file (.gitignore has it).
# See .env.example for every variable.
"""


def _token() -> str:
    return secrets.token_urlsafe(18)


def _fernet_key() -> str:
    # Airflow's format: 32 random bytes, url-safe base64 (what Fernet.generate_key() returns).
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def generated_secrets() -> dict[str, Callable[[], str]]:
    """Every variable `.env` gets on first setup, with how its value is made."""
    made: dict[str, Callable[[], str]] = {
        settings.password_variable(role): _token for role in settings.ROLES
    }
    made.update(
        AIRFLOW_FERNET_KEY=_fernet_key,
        AIRFLOW_JWT_SECRET=lambda: secrets.token_urlsafe(32),
        AIRFLOW_API_SECRET_KEY=lambda: secrets.token_urlsafe(32),
        AIRFLOW_POSTGRES_PASSWORD=_token,
    )
    return made


def write_env_file() -> list[str]:
    """Add every generated secret not set yet; returns the variables written."""
    path = settings.project_root() / ".env"
    present = dotenv_values(path) if path.exists() else {}
    made = generated_secrets()
    missing = [name for name in made if not present.get(name)]
    if not missing:
        return []
    text = path.read_text() if path.exists() else HEADER
    if text and not text.endswith("\n"):
        text += "\n"
    text += "".join(f"{name}={made[name]()}\n" for name in missing)
    path.write_text(text)
    path.chmod(0o600)
    return missing


if __name__ == "__main__":
    written = write_env_file()
    print(f".env: wrote {', '.join(written)}" if written else ".env: every secret is set")
    sys.exit(0)
