"""API shapes that are not stored records: orders with their status, account state, metadata.

Shapes follow Hyperliquid's documented /info answers (docs/hyperliquid.md): decimal strings for numbers,
ms integers for times. `cumFunding` is reported as funding *paid* (positive = paid), the sign
third-party code assumes; it always equals minus the sum of the account's userFunding usdc.
"""

from __future__ import annotations

from .decimals import MICRO, fmt_float, fmt_micro, fmt_scaled, round_div
from .market import Market
from .trader import Order, Snapshot

SPOT_TOKENS = [
    {
        "name": "USDC",
        "szDecimals": 8,
        "weiDecimals": 8,
        "index": 0,
        "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054",
        "isCanonical": True,
        "evmContract": None,
        "fullName": None,
    },
    {
        "name": "PURR",
        "szDecimals": 0,
        "weiDecimals": 5,
        "index": 1,
        "tokenId": "0xc1fb593aeffbeb02f85e0308e9956a90",
        "isCanonical": True,
        "evmContract": None,
        "fullName": None,
    },
    {
        "name": "HYPE",
        "szDecimals": 2,
        "weiDecimals": 8,
        "index": 150,
        "tokenId": "0x0d01dc56dcaaca66ad901c959b4011ec",
        "isCanonical": False,
        "evmContract": None,
        "fullName": "Hyperliquid",
    },
]
SPOT_UNIVERSE = [
    {"tokens": [1, 0], "name": "PURR/USDC", "index": 0, "isCanonical": True},
    {"tokens": [150, 0], "name": "@107", "index": 107, "isCanonical": False},
]
EXOTIC_PERP = "xyz:XYZ100"
EXOTIC_SPOT = "@107"


def order_fields(o: Order, remaining: int, frontend: bool) -> dict:
    base = {
        "coin": o.coin,
        "side": o.side,
        "limitPx": fmt_scaled(o.limit_px6, 6),
        "sz": fmt_scaled(remaining, o.sz_decimals),
        "oid": o.oid,
        "timestamp": o.timestamp,
    }
    if frontend:
        base.update(
            {
                "triggerCondition": "N/A",
                "isTrigger": False,
                "triggerPx": "0.0",
                "children": [],
                "isPositionTpsl": False,
                "reduceOnly": o.reduce_only,
                "orderType": o.order_type,
                "origSz": fmt_scaled(o.orig_lots, o.sz_decimals),
                "tif": o.tif,
                "cloid": None,
            }
        )
    return base


def order_entry(o: Order, now: int) -> dict:
    """A historicalOrders / orderStatus entry: {order, status, statusTimestamp} as of now."""
    state = o.status_at(now)
    if state is None:
        raise ValueError(f"order {o.oid} is placed at {o.timestamp}, after {now}")
    status, ts, remaining = state
    return {"order": order_fields(o, remaining, True), "status": status, "statusTimestamp": ts}


def meta(market: Market) -> dict:
    universe = [
        {
            "name": s.name,
            "szDecimals": s.sz_decimals,
            "maxLeverage": s.max_leverage,
            "marginTableId": s.max_leverage,
        }
        for s in market.specs
    ]
    tables = sorted({s.max_leverage for s in market.specs})
    return {
        "universe": universe,
        "marginTables": [
            [lev, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": lev}]}]
            for lev in tables
        ],
    }


def spot_meta() -> dict:
    return {"universe": [dict(u) for u in SPOT_UNIVERSE], "tokens": [dict(t) for t in SPOT_TOKENS]}


def asset_ctx(market: Market, c: int, now: int) -> dict:
    px6 = market.px6(c, now)
    hour = now - now % 3_600_000
    rate = market.rate_e8(c, hour)
    prev6, base_vol, ntl_vol = market.day_stats(c, now)
    spec = market.specs[c]
    mark = fmt_scaled(px6, 6)
    return {
        "funding": fmt_scaled(rate, 8),
        "openInterest": fmt_float(round(base_vol * 3.0, 2)),
        "prevDayPx": fmt_scaled(prev6, 6),
        "dayNtlVlm": fmt_float(round(ntl_vol, 2)),
        "premium": "0.0",
        "oraclePx": mark,
        "markPx": mark,
        "midPx": mark,
        "impactPxs": [
            fmt_scaled(market.round_px6(c, px6 / MICRO * 0.9999), 6),
            fmt_scaled(market.round_px6(c, px6 / MICRO * 1.0001), 6),
        ],
        "dayBaseVlm": fmt_float(round(base_vol, spec.sz_decimals)),
    }


def clearinghouse_state(
    market: Market, s: Snapshot, now: int, leverage: int, upnl: dict[int, int]
) -> dict:
    positions = []
    total_ntl = margin = signed_ntl = 0
    av = s.cash + sum(upnl.values())
    maintenance = (  # half the initial margin, as crossMaintenanceMarginUsed reports it
        sum(
            round_div(
                round_div(abs(s.lots[c]) * market.px6(c, now), 10 ** market.specs[c].sz_decimals),
                leverage,
            )
            for c in upnl
        )
        // 2
    )
    for c, u in upnl.items():
        spec = market.specs[c]
        lots = s.lots[c]
        px6 = market.px6(c, now)
        value = round_div(abs(lots) * px6, 10**spec.sz_decimals)
        used = round_div(value, leverage)
        total_ntl += value
        margin += used
        signed_ntl += value if lots > 0 else -value
        positions.append(
            {
                "type": "oneWay",
                "position": {
                    "coin": spec.name,
                    "szi": fmt_scaled(lots, spec.sz_decimals),
                    "leverage": {"type": "cross", "value": leverage},
                    "entryPx": fmt_float(s.entry[c]),
                    "positionValue": fmt_micro(value),
                    "unrealizedPnl": fmt_micro(u),
                    "returnOnEquity": fmt_float(round(u / used, 6)) if used else "0.0",
                    "liquidationPx": liquidation_px(
                        lots / 10**spec.sz_decimals, px6 / MICRO, av - maintenance, leverage
                    ),
                    "marginUsed": fmt_micro(used),
                    "maxLeverage": spec.max_leverage,
                    "cumFunding": {
                        "allTime": fmt_micro(s.cum_all[c]),
                        "sinceOpen": fmt_micro(s.cum_open[c]),
                        "sinceChange": fmt_micro(s.cum_change[c]),
                    },
                },
            }
        )
    summary = {
        "accountValue": fmt_micro(av),
        "totalNtlPos": fmt_micro(total_ntl),
        "totalRawUsd": fmt_micro(av - signed_ntl),
        "totalMarginUsed": fmt_micro(margin),
    }
    return {
        "marginSummary": summary,
        "crossMarginSummary": dict(summary),
        "crossMaintenanceMarginUsed": fmt_micro(margin // 2),
        "withdrawable": fmt_micro(max(0, av - margin)),
        "assetPositions": positions,
        "time": now,
    }


def liquidation_px(
    szi: float, mark: float, margin_available_usd: float, leverage: int
) -> str | None:
    """Hyperliquid's cross-margin liquidation price of one position, the others held still:
    mark − side · margin_available / |szi| / (1 − side / (2 · leverage)), margin_available being
    account value minus the maintenance margin (half the initial margin). None, as the exchange
    reports it, when no positive price liquidates the position (a well-covered long)."""
    side = 1 if szi > 0 else -1
    px = mark - side * margin_available_usd / MICRO / abs(szi) / (1 - side / (2 * leverage))
    return fmt_float(round(px, 6)) if px > 0 else None


def empty_clearinghouse_state(now: int) -> dict:
    summary = {
        "accountValue": "0.0",
        "totalNtlPos": "0.0",
        "totalRawUsd": "0.0",
        "totalMarginUsed": "0.0",
    }
    return {
        "marginSummary": summary,
        "crossMarginSummary": dict(summary),
        "crossMaintenanceMarginUsed": "0.0",
        "withdrawable": "0.0",
        "assetPositions": [],
        "time": now,
    }
