"""Order history (`historicalOrders`) → `hyperliquid.orders`, one row per (order, status change).

`historicalOrders` has no time range: it returns the 2000 most recent status changes. We keep the
ones whose `statusTimestamp` falls in the window, so a re-run stores the same rows; when the
answer is full and its oldest entry is younger than the window start, older changes of the
window are out of the API's reach, and the run log says so.
"""

from __future__ import annotations

from maicro.ingest import records as r

DATA_TYPE = "orders"
TABLE = "hyperliquid.orders"
COLUMNS = (
    "account",
    "oid",
    "status",
    "status_timestamp",
    "order_timestamp",
    "coin",
    "side",
    "limit_px",
    "sz",
    "orig_sz",
    "order_type",
    "tif",
    "reduce_only",
    "is_trigger",
    "trigger_px",
    "trigger_condition",
    "is_position_tpsl",
    "cloid",
)
TIME_COLUMN = 3


def order_fields(order: dict) -> tuple:
    """The columns an order object carries (shared with open-order snapshots)."""
    return (
        r.req_integer(order, "oid"),
        r.millis(order, "timestamp"),
        r.text(order, "coin"),
        r.side(order),
        r.req_number(order, "limitPx"),
        r.req_number(order, "sz"),
        r.opt_number(order, "origSz", None),
        r.opt_text(order, "orderType", "Limit"),
        r.opt_text(order, "tif", "") or "",
        r.boolean(order, "reduceOnly", False),
        r.boolean(order, "isTrigger", False),
        r.opt_number(order, "triggerPx", 0.0),
        r.opt_text(order, "triggerCondition", "") or "",
        r.boolean(order, "isPositionTpsl", False),
        r.opt_text(order, "cloid", None),
    )


def parse(rec: dict, account: str) -> tuple:
    order = r.obj(rec, "order")
    (
        oid,
        placed,
        coin,
        side,
        limit_px,
        sz,
        orig_sz,
        order_type,
        tif,
        reduce_only,
        is_trigger,
        trigger_px,
        trigger_condition,
        is_tpsl,
        cloid,
    ) = order_fields(order)
    return (
        account,
        oid,
        r.text(rec, "status"),
        r.millis(rec, "statusTimestamp"),
        placed,
        coin,
        side,
        limit_px,
        sz,
        sz if orig_sz is None else orig_sz,
        order_type,
        tif,
        reduce_only,
        is_trigger,
        trigger_px,
        trigger_condition,
        is_tpsl,
        cloid,
    )


def fetch(client, account: str, window) -> list[dict]:
    """The window's status changes from the 2000 most recent (see the module doc)."""
    history = client.historical_orders(account)
    kept = [
        rec
        for rec in history
        if not isinstance(_status_time(rec), int) or window.contains(_status_time(rec))
    ]
    times = [t for t in map(_status_time, history) if isinstance(t, int)]
    if len(history) >= 2000 and times and min(times) > window.start_ms:
        client.notes.append(
            f"orders {account}: historicalOrders reaches back only to {min(times)} ms;"
            " earlier status changes of the window are out of reach"
        )
    return kept


def _status_time(rec) -> int | None:
    value = rec.get("statusTimestamp") if isinstance(rec, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
