"""How every number looks to a person: one module, so emails, dashboard and alerts agree.

Amounts carry thousands separators and an explicit sign (a loss never hides as a missing minus),
and a tone: the word (gain/loss/flat) carries the meaning for readers without colour, the colour
helps everyone else. None (no data) is always shown as an em dash, never as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MISSING = "—"
GAIN_COLOUR = "#137333"  # green with AA contrast on white
LOSS_COLOUR = "#c5221f"  # red with AA contrast on white
FLAT_COLOUR = "#5f6368"


@dataclass(frozen=True)
class Tone:
    word: str  # gain, loss or flat: the meaning without colour
    colour: str


GAIN = Tone("gain", GAIN_COLOUR)
LOSS = Tone("loss", LOSS_COLOUR)
FLAT = Tone("flat", FLAT_COLOUR)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def tone(value: float | None, *, decimals: int = 2) -> Tone:
    """Gain, loss or flat, judged on the value as displayed (a -0.001 shown as 0.00 is flat)."""
    if _missing(value):
        return FLAT
    rounded = round(float(value), decimals)  # type: ignore[arg-type]
    if rounded > 0:
        return GAIN
    if rounded < 0:
        return LOSS
    return FLAT


def _signed(number: str, rounded: float) -> str:
    """`number` (unsigned text) with + or −, judged on the value as displayed; zero unsigned."""
    if rounded == 0:
        return number
    return ("+" if rounded > 0 else "−") + number


def money(value: float | None, *, decimals: int = 2, sign: bool = True, currency: str = "$") -> str:
    """`+$1,234.56`, `−$12.00`, `$0.00`; `sign=False` for levels such as account value."""
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    number = f"{currency}{abs(v):,.{decimals}f}"
    if not sign:
        return ("−" + number) if round(v, decimals) < 0 else number
    return _signed(number, round(v, decimals))


def pct(value: float | None, *, decimals: int = 2, sign: bool = True) -> str:
    """A fraction as percent: 0.01234 -> `+1.23%`."""
    if _missing(value):
        return MISSING
    v = float(value) * 100  # type: ignore[arg-type]
    number = f"{abs(v):,.{decimals}f}%"
    if not sign:
        return ("−" + number) if round(v, decimals) < 0 else number
    return _signed(number, round(v, decimals))


def bps(value: float | None, *, decimals: int = 1) -> str:
    """A value already in basis points: 3.25 -> `+3.3 bps`."""
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    return _signed(f"{abs(v):,.{decimals}f}", round(v, decimals)) + " bps"


def weight(value: float | None, *, decimals: int = 2) -> str:
    """A signed portfolio weight (fraction of account value) as percent: -0.25 -> `−25.00%`."""
    return pct(value, decimals=decimals, sign=True)


def number(value: float | None, *, decimals: int = 0) -> str:
    """A count or plain quantity with separators: 12345 -> `12,345`."""
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    text = f"{abs(v):,.{decimals}f}"
    return ("−" + text) if round(v, decimals) < 0 else text


def parse(text: str) -> float | None:
    """The inverse of the formatters (for tests and for reading numbers back out of a report):
    `+$1,234.56` -> 1234.56, `−12.50%` -> -0.125, `+3.3 bps` -> 3.3, `—` -> None."""
    t = text.strip()
    if t in (MISSING, ""):
        return None
    percent = t.endswith("%")
    t = t.removesuffix("%").removesuffix(" bps").replace("$", "").replace(",", "")
    negative = t.startswith(("−", "-"))
    t = t.lstrip("+−-")
    value = float(t) * (-1 if negative else 1)
    return value / 100 if percent else value
