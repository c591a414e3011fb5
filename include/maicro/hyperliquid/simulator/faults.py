"""Deterministic fault injection for `/info`, switchable at start and at runtime.

Switches (all off by default):
- latency_ms: int, added to every /info request.
- http_5xx: trigger; answer with `http_5xx_status` (default 500) and a plain-text body.
- timeout: trigger; hold the request `timeout_ms` (default 30000) before answering normally, so a
  client with a shorter timeout gives up.
- truncated_json: trigger; a 200 whose JSON body is cut in half.
- malformed_json: trigger; a 200 whose body is not valid JSON (a garbage token is injected).
- extra_fields: trigger; records (and nested delta/position/order objects) carry an unknown field.
- exotic_coins: trigger; fills, funding and positions also contain records for the HIP-3 perp
  `xyz:XYZ100` and the spot pair `@107`. They move no money (closedPnl, fee, usdc and uPnL are 0),
  so the accounting identity holds whether a consumer keeps or drops them.
A trigger is one of: off (None/False/0), always (True/1/"always"), a rate ("rate:0.1" or 0.1:
a seeded, reproducible Bernoulli per request index), every k-th request ("every:3"), or the next
N requests ("next:2"); dict forms {"rate": p} / {"every": k} / {"next": n} work too. Counters
restart whenever a switch is set, and every /info request advances every counter.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

TRIGGERS = (
    "http_5xx",
    "timeout",
    "truncated_json",
    "malformed_json",
    "extra_fields",
    "exotic_coins",
)
VALUES = {"latency_ms": 0, "http_5xx_status": 500, "timeout_ms": 30_000}
EXTRA_FIELD = "simUnknownField"


@dataclass
class Trigger:
    mode: str = "off"  # off | always | rate | every | next
    value: float = 0.0
    count: int = 0

    @classmethod
    def parse(cls, spec) -> Trigger:
        if spec is None or spec is False or spec == 0 or spec in ("off", "none", "false", ""):
            return cls()
        if spec is True or spec == 1 or spec in ("always", "on", "true"):
            return cls("always")
        if isinstance(spec, (int, float)):
            if 0 < spec < 1:
                return cls("rate", float(spec))
            raise ValueError(f"a numeric trigger is a rate in [0, 1], got {spec}")
        if isinstance(spec, dict) and len(spec) == 1:
            ((mode, value),) = spec.items()
        elif isinstance(spec, str) and ":" in spec:
            mode, value = spec.split(":", 1)
        else:
            raise ValueError(f"bad trigger {spec!r}: use off, always, rate:P, every:K or next:N")
        mode = str(mode).strip().lower()
        value = float(value)
        if mode == "rate" and 0 <= value <= 1:
            return cls("rate", value)
        if mode in ("every", "next") and value >= 0 and value == int(value):
            if mode == "every" and value < 1:
                raise ValueError("every:K needs K >= 1")
            return cls(mode, int(value))
        raise ValueError(f"bad trigger {spec!r}: use off, always, rate:P, every:K or next:N")

    def fires(self, name: str, seed: int) -> bool:
        i = self.count
        self.count += 1
        if self.mode == "always":
            return True
        if self.mode == "rate":
            h = hashlib.sha256(f"{seed}:{name}:{i}".encode()).digest()
            return int.from_bytes(h[:8], "big") / 2**64 < self.value
        if self.mode == "every":
            return (i + 1) % int(self.value) == 0
        if self.mode == "next":
            return i < int(self.value)
        return False

    def describe(self):
        if self.mode in ("off", "always"):
            return self.mode
        value = self.value if self.mode == "rate" else int(self.value)
        return f"{self.mode}:{value}"


@dataclass(frozen=True)
class FaultDecision:
    """What happens to one /info request."""

    latency_ms: int = 0
    error_status: int | None = None
    hold_ms: int | None = None
    truncate: bool = False
    malformed: bool = False
    extra_fields: bool = False
    exotic: bool = False


class Faults:
    def __init__(self, seed: int = 0, **switches):
        self.seed = seed
        self._lock = threading.Lock()
        self._triggers = {name: Trigger() for name in TRIGGERS}
        self._values = dict(VALUES)
        if switches:
            self.set(**switches)

    def set(self, reset: bool = False, **switches) -> dict:
        """Change the given switches (others keep their state); reset=True clears all first."""
        with self._lock:
            if reset:
                self._triggers = {name: Trigger() for name in TRIGGERS}
                self._values = dict(VALUES)
            for name, spec in switches.items():
                if name in TRIGGERS:
                    self._triggers[name] = Trigger.parse(spec)
                elif name in VALUES:
                    value = int(spec or 0)
                    if value < 0:
                        raise ValueError(f"{name} must be >= 0")
                    self._values[name] = value if value or name == "latency_ms" else VALUES[name]
                else:
                    known = ", ".join(TRIGGERS + tuple(VALUES))
                    raise ValueError(f"unknown fault switch {name!r}; known: {known}")
            return self._describe()

    def _describe(self) -> dict:
        out = {name: t.describe() for name, t in self._triggers.items()}
        out.update(self._values)
        return out

    def describe(self) -> dict:
        with self._lock:
            return self._describe()

    def decide(self) -> FaultDecision:
        """Advance every counter once and say which faults hit this request."""
        with self._lock:
            hit = {name: t.fires(name, self.seed) for name, t in self._triggers.items()}
            return FaultDecision(
                latency_ms=self._values["latency_ms"],
                error_status=self._values["http_5xx_status"] if hit["http_5xx"] else None,
                hold_ms=self._values["timeout_ms"] if hit["timeout"] else None,
                truncate=hit["truncated_json"],
                malformed=hit["malformed_json"],
                extra_fields=hit["extra_fields"],
                exotic=hit["exotic_coins"],
            )


def add_extra_fields(obj):
    """Add an unknown field to every record (and its nested delta/position/order/req object)."""

    def tag(d: dict) -> None:
        d[EXTRA_FIELD] = "sim"
        for key in ("delta", "position", "order", "marginSummary", "liquidation"):
            inner = d.get(key)
            if isinstance(inner, dict):
                tag(inner)

    if isinstance(obj, dict):
        if obj and all(isinstance(v, str) for v in obj.values()):
            return obj  # allMids: a coin -> price map has no room for a field that is not a coin
        tag(obj)
        for value in obj.values():
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        tag(item)
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict):
                tag(item)
    return obj


def truncate_body(body: bytes) -> bytes:
    return body[: max(1, len(body) // 2)]


def malform_body(body: bytes) -> bytes:
    return body[:1] + b"<<malformed>>" + body[1:]
