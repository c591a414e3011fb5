"""Write the git-ignored `.env` with random ClickHouse passwords on first setup.

Run as `python -m maicro.stack.envfile` (by `make setup`). Existing values are never changed, so
passwords stay stable across setups and a user's own values win; a role added since the file
was written gets its password appended.
"""

from __future__ import annotations

import secrets
import sys

from dotenv import dotenv_values

from maicro import settings

HEADER = """# Written by `make setup` on first use. Never commit this file (.gitignore has it).
# See .env.example for every variable.
"""


def write_env_file() -> list[str]:
    """Add a random password for every role without one; returns the variables written."""
    path = settings.project_root() / ".env"
    present = dotenv_values(path) if path.exists() else {}
    missing = [
        settings.password_variable(role)
        for role in settings.ROLES
        if not present.get(settings.password_variable(role))
    ]
    if not missing:
        return []
    text = path.read_text() if path.exists() else HEADER
    if text and not text.endswith("\n"):
        text += "\n"
    text += "".join(f"{name}={secrets.token_urlsafe(18)}\n" for name in missing)
    path.write_text(text)
    path.chmod(0o600)
    return missing


if __name__ == "__main__":
    written = write_env_file()
    print(f".env: wrote {', '.join(written)}" if written else ".env: every password is set")
    sys.exit(0)
