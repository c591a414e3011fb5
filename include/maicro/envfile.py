"""Write the git-ignored `.env` with random ClickHouse passwords on first setup.

Run as `python -m maicro.envfile`. An existing `.env` is never touched, so passwords stay
stable across setups and a user's own values win.
"""

from __future__ import annotations

import secrets
import sys

from maicro import settings

TEMPLATE = """# Written by `make setup` on first use. Never commit this file (.gitignore has it).
# See .env.example for every variable.
{passwords}
"""


def write_env_file() -> bool:
    path = settings.project_root() / ".env"
    if path.exists():
        return False
    lines = [
        f"MAICRO_{role.upper()}_PASSWORD={secrets.token_urlsafe(18)}" for role in settings.ROLES
    ]
    path.write_text(TEMPLATE.format(passwords="\n".join(lines)))
    path.chmod(0o600)
    return True


if __name__ == "__main__":
    created = write_env_file()
    print(".env written with random ClickHouse passwords" if created else ".env exists: kept as is")
    sys.exit(0)
