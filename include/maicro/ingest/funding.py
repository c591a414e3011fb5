"""Funding payments (`userFunding`, paginated 500 at a time) → `hyperliquid.funding`.

Hourly, one record per (account, coin, hour); `usdc` > 0 means received (docs/hyperliquid.md), stored as is.
"""

from __future__ import annotations

from maicro.ingest import records as r

DATA_TYPE = "funding"
TABLE = "hyperliquid.funding"
COLUMNS = ("account", "time", "coin", "usdc", "szi", "funding_rate", "n_samples", "hash")
TIME_COLUMN = 1


def parse(rec: dict, account: str) -> tuple:
    delta = r.obj(rec, "delta")
    kind = delta.get("type", "funding")
    if kind != "funding":
        raise r.BadRecord(f"delta.type is {str(kind)[:30]!r}, expected 'funding'")
    return (
        account,
        r.millis(rec, "time"),
        r.text(delta, "coin"),
        r.req_number(delta, "usdc"),
        r.req_number(delta, "szi"),
        r.req_number(delta, "fundingRate"),
        r.opt_integer(delta, "nSamples"),
        r.opt_text(rec, "hash"),
    )


def fetch(client, account: str, window) -> list[dict]:
    return client.user_funding(account, window.start_ms, window.end_ms)
