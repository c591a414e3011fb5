"""Exact number handling: integer units inside, Hyperliquid-style decimal strings outside.

Why integers: the accounting identity (account value = flows + closedPnl - fees + funding + uPnL)
must hold exactly for the *published* decimals, so every money amount is rounded once, to micro-USD
(6 decimals, USDC's precision), and kept as an int from then on. Sizes are ints in lots of
10**-szDecimals, prices ints in units of 1e-6 (a perp price never has more than 6 decimals).
Only the average entry price is a float (a weighted average has no finite decimal form); it is
published with `repr` precision so that anyone can recompute uPnL from the published entryPx.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import numpy as np

MICRO = 1_000_000
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
PERP_MAX_DECIMALS = 6  # Hyperliquid: perp prices have at most 6 - szDecimals decimals
PRICE_SIG_FIGS = 5
_POW10 = [10**k for k in range(40)]


def round_div(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (denominator > 0)."""
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return -q if numerator < 0 else q


def round_half_away(x: float) -> int:
    """Round a float to the nearest int, ties away from zero (deterministic, unlike banker's)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def fmt_scaled(value: int, decimals: int) -> str:
    """An int in units of 10**-decimals as Hyperliquid prints it: '1.25', '100.0', '-0.003'."""
    if decimals == 0:
        return f"{value}.0"
    if value < 0:
        return "-" + fmt_scaled(-value, decimals)
    q, r = divmod(value, _POW10[decimals])
    if r == 0:
        return f"{q}.0"
    return f"{q}.{str(r).zfill(decimals).rstrip('0')}"


def fmt_micro(value: int) -> str:
    """Micro-USD int -> decimal string with at most 6 decimals."""
    return fmt_scaled(value, 6)


def fmt_float(x: float) -> str:
    """A float in positional notation with the shortest round-trip digits (no exponent)."""
    if x == 0:
        return "0.0"
    s = np.format_float_positional(x, trim="-", unique=True)
    return s if "." in s else s + ".0"


def round_px(x: float, sz_decimals: int) -> float:
    """Hyperliquid's perp price rule: <= 5 significant figures and <= 6 - szDecimals decimals;
    integer prices are always allowed (so BTC at 105123 keeps 6 figures)."""
    if x <= 0:
        raise ValueError(f"price must be positive, got {x}")
    mag = math.floor(math.log10(x))
    dec = min(PERP_MAX_DECIMALS - sz_decimals, PRICE_SIG_FIGS - 1 - mag)
    dec = max(dec, 0)
    return round(x, dec)


def round_px_array(x: np.ndarray, sz_decimals: int) -> np.ndarray:
    """Vectorised `round_px`."""
    mag = np.floor(np.log10(x))
    dec = np.minimum(PERP_MAX_DECIMALS - sz_decimals, PRICE_SIG_FIGS - 1 - mag)
    dec = np.maximum(dec, 0)
    factor = 10.0**dec
    return np.round(x * factor) / factor


def px_to_px6(px: float) -> int:
    return int(round(px * MICRO))


def upnl_micro(lots: int, mark6: int, entry: float, sz_decimals: int) -> int:
    """Unrealized PnL szi * (mark - entry), rounded to micro-USD. The one formula used everywhere
    (clearinghouseState, account_state, ground truth), so they agree to the last digit."""
    if lots == 0:
        return 0
    return round_half_away(lots * (mark6 / MICRO - entry) * MICRO / 10**sz_decimals)


def notional_micro(lots: int, px6: int, sz_decimals: int) -> int:
    """|sz| * px in micro-USD."""
    return round_div(abs(lots) * px6, 10**sz_decimals)


def day_start(t_ms: int) -> int:
    return t_ms - t_ms % DAY_MS


def ms_to_iso(t_ms: int) -> str:
    """ISO-8601 UTC with milliseconds and a Z, e.g. 2025-01-01T04:00:00.000Z."""
    dt = datetime.fromtimestamp(t_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_ms % 1000:03d}Z"


def ms_to_date(t_ms: int) -> date:
    return datetime.fromtimestamp(t_ms // 1000, tz=UTC).date()


def parse_time(value: str | int | float | None) -> int | None:
    """Milliseconds since epoch from an int, a digit string or an ISO-8601 date/time (UTC if naive)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(round(dt.timestamp() * 1000))
