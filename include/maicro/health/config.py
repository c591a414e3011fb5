"""The health configuration: one YAML with every threshold, the reminder interval and the
recipients, plus per-strategy and per-account overrides deep-merged over the defaults.

Why YAML and not settings: thresholds are nested and overridden per strategy/account, which flat
environment variables express badly; the file is pointed to by MAICRO_HEALTH_CONFIG, and the
default (`health.yaml` here) documents every key.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from maicro import settings
from maicro.errors import MaicroError

DEFAULT_PATH = Path(__file__).with_name("health.yaml")


@dataclass(frozen=True)
class Limits:
    """A check's thresholds: `warn` when the value reaches `warn`, `fail` when it reaches `fail`."""

    warn: float
    fail: float

    def grade(self, value: float | None) -> str:
        if value is None:
            return "fail"
        if value >= self.fail:
            return "fail"
        return "warn" if value >= self.warn else "ok"

    def crossed(self, value: float | None) -> float:
        """The threshold the value is judged against (the one it crossed, else warn)."""
        return self.fail if value is not None and value >= self.fail else self.warn


def _number(value: Any, where: str) -> float:
    """A number, or a duration (30s, 5m) as seconds."""
    if isinstance(value, bool):
        raise MaicroError(f"health config {where}: expected a number or duration, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return settings.parse_duration_ms(str(value)) / 1000
    except MaicroError:
        raise MaicroError(
            f"health config {where}: {value!r} is not a number or a duration like 5m"
        ) from None


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in (override or {}).items():
        out[key] = _merge(out[key], value) if isinstance(out.get(key), dict) else value
    return out


class HealthConfig:
    def __init__(self, data: dict, source: str) -> None:
        self.data = data
        self.source = source

    def section(self, name: str, *, strategy: str | None = None, account: str | None = None):
        merged = self.data.get(name) or {}
        if strategy:
            merged = _merge(merged, (self.data.get("strategies") or {}).get(strategy, {}).get(name))
        if account:
            # Addresses compare case-insensitively (files often hold the checksummed form).
            overrides = {str(k).lower(): v for k, v in (self.data.get("accounts") or {}).items()}
            merged = _merge(merged, overrides.get(account.lower(), {}).get(name))
        return merged

    def limits(self, name: str, key: str, **scope: str | None) -> Limits:
        raw = self.section(name, **scope).get(key)
        if not isinstance(raw, dict) or {"warn", "fail"} - set(raw):
            raise MaicroError(f"health config {self.source}: {name}.{key} needs warn and fail")
        where = f"{self.source} {name}.{key}"
        return Limits(_number(raw["warn"], where), _number(raw["fail"], where))

    def seconds(self, name: str, key: str) -> float:
        return _number(self.section(name).get(key), f"{self.source} {name}.{key}")

    def value(self, name: str, key: str, default: Any = None) -> Any:
        return self.section(name).get(key, default)

    @property
    def reminder_s(self) -> float:
        return self.seconds("alerts", "reminder_interval")


def load(path: Path | None = None) -> HealthConfig:
    """The configuration at `path`, MAICRO_HEALTH_CONFIG, or the packaged default."""
    path = path or settings.get().maicro_health_config or DEFAULT_PATH
    return _load(Path(path).resolve())


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> HealthConfig:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise MaicroError(f"MAICRO_HEALTH_CONFIG {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise MaicroError(f"MAICRO_HEALTH_CONFIG {path}: not YAML ({exc})") from None
    if not isinstance(data, dict):
        raise MaicroError(f"MAICRO_HEALTH_CONFIG {path}: expected a mapping of sections")
    defaults = yaml.safe_load(DEFAULT_PATH.read_text())
    return HealthConfig(_merge(defaults, data) if path != DEFAULT_PATH else data, str(path))
