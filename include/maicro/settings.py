"""Configuration from the environment (and a git-ignored `.env`), in one place.

Secrets only ever come from here: the environment, or the `.env` that setup writes with random
passwords. Nothing else in the package reads `os.environ` for configuration, so the whole public
interface (DESIGN §2b) is documented by this module and `.env.example`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from maicro.errors import MaicroError

ROLES = ("admin", "ingest", "replicator", "transform", "reader")
MAINNET_API_URL = "https://api.hyperliquid.xyz"


def project_root() -> Path:
    """The checkout this package is installed from (editable install), or the cwd."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "include").is_dir():
            return parent
    return Path.cwd()


def load_dotenv(path: Path | None = None) -> None:
    """Read KEY=VALUE lines from `.env` into os.environ without overriding what is set.

    A tiny parser on purpose: the file is ours (written by setup) and the rules are simple.
    """
    path = path or Path(os.environ.get("MAICRO_ENV_FILE", project_root() / ".env"))
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip().strip('"').strip("'")
        os.environ.setdefault(key.strip(), value)


def env(name: str, default: str | None = None) -> str | None:
    """An environment variable after `.env` has been loaded; empty counts as unset."""
    load_dotenv()
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def state_dir() -> Path:
    """Where embedded servers keep data, pids and logs (git-ignored)."""
    return Path(env("MAICRO_STATE_DIR", str(project_root() / ".maicro"))).resolve()


def password(role: str) -> str:
    """The password of a ClickHouse role, from MAICRO_<ROLE>_PASSWORD."""
    if role not in ROLES:
        raise MaicroError(f"unknown ClickHouse role {role!r}; expected one of {', '.join(ROLES)}")
    name = f"MAICRO_{role.upper()}_PASSWORD"
    value = env(name)
    if value is None:
        raise MaicroError(f"{name} is not set: run `make setup` (writes .env) or export it")
    return value


def user(role: str) -> str:
    """ClickHouse user name of a role (same on every server)."""
    if role not in ROLES:
        raise MaicroError(f"unknown ClickHouse role {role!r}; expected one of {', '.join(ROLES)}")
    return f"maicro_{role}"


@dataclass(frozen=True)
class Account:
    address: str
    strategy: str | None


def accounts() -> list[Account]:
    """Parse MAICRO_ACCOUNTS = `0xADDR=strategy,0xADDR2` (strategy optional)."""
    raw = env("MAICRO_ACCOUNTS", "") or ""
    result: list[Account] = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        address, _, strategy = item.partition("=")
        address = address.strip().lower()
        if not (address.startswith("0x") and len(address) == 42):
            raise MaicroError(f"MAICRO_ACCOUNTS: {address!r} is not a 0x-prefixed 40-hex address")
        try:
            int(address[2:], 16)
        except ValueError:
            raise MaicroError(f"MAICRO_ACCOUNTS: {address!r} is not hexadecimal") from None
        result.append(Account(address, strategy.strip() or None))
    return result


def hyperliquid_api_url() -> str:
    return (env("HYPERLIQUID_API_URL", MAINNET_API_URL) or MAINNET_API_URL).rstrip("/")
