"""Hyperliquid's position accounting for one coin, as a pure function (unit-tested on its own).

Rules (one-way mode):
- Opening or adding: entry becomes the size-weighted average of the old entry and the fill px.
- Reducing: entry is unchanged; closedPnl = closed size * (px - entry) * sign(position).
- Closing to exactly zero: the position disappears (entry reset).
- Flipping through zero in one fill: the old position is closed (closedPnl as above) and the
  remainder opens at the fill px (entry reset to px).
closedPnl is gross of fees and excludes funding. `dir` is the string Hyperliquid puts on the fill.
Sizes may be ints (lots) or floats; pnl is returned in size-units * price (callers scale).
"""

from __future__ import annotations

from typing import NamedTuple


class FillEffect(NamedTuple):
    position: int | float  # signed size after the fill
    entry: float  # average entry after the fill (0.0 when flat)
    closed_pnl: float  # in size units * price units
    dir: str


def fill_dir(start: int | float, signed_qty: int | float) -> str:
    end = start + signed_qty
    if start == 0 or (start > 0) == (signed_qty > 0):
        return "Open Long" if signed_qty > 0 else "Open Short"
    if start > 0 and end < 0:
        return "Long > Short"
    if start < 0 and end > 0:
        return "Short > Long"
    return "Close Long" if start > 0 else "Close Short"


def apply_fill(
    position: int | float, entry: float, signed_qty: int | float, px: float
) -> FillEffect:
    """The position after a fill of `signed_qty` (buy > 0, sell < 0) at `px`."""
    if signed_qty == 0:
        raise ValueError("a fill has a non-zero size")
    direction = fill_dir(position, signed_qty)
    if position == 0 or (position > 0) == (signed_qty > 0):
        old, add = abs(position), abs(signed_qty)
        new_entry = (old * entry + add * px) / (old + add) if old else float(px)
        return FillEffect(position + signed_qty, new_entry, 0.0, direction)
    closed = min(abs(signed_qty), abs(position))
    sign = 1 if position > 0 else -1
    pnl = closed * (px - entry) * sign
    new_pos = position + signed_qty
    if new_pos == 0:
        return FillEffect(new_pos, 0.0, pnl, direction)
    if (new_pos > 0) == (position > 0):
        return FillEffect(new_pos, entry, pnl, direction)
    return FillEffect(new_pos, float(px), pnl, direction)
