"""Shared helpers of the replication tests: seed local data, read both sides independently."""

from __future__ import annotations

from maicro.clickhouse.client import connect

FILL_COLUMNS = (
    "account, time, coin, tid, px, sz, side, start_position, dir, closed_pnl, hash, oid, "
    "crossed, fee, fee_token"
)


def seed_fills(
    n: int,
    *,
    start: str = "2026-01-01 00:00:00",
    step_s: int = 3600,
    tid0: int = 0,
    account: str = "0xaaa",
) -> None:
    """n fills, one every `step_s` seconds from `start` (spans months when n*step_s does)."""
    client = connect("local", "admin")
    client.command(
        f"INSERT INTO hyperliquid.fills ({FILL_COLUMNS}) SELECT '{account}', "
        f"toDateTime64('{start}', 3, 'UTC') + number * {step_s}, if(number % 3 = 0, 'BTC', 'ETH'), "
        f"{tid0} + number, 100 + number % 17, 0.5 + number % 5, if(number % 2 = 0, 'B', 'A'), 0, "
        f"'Open Long', (number % 11) - 5, toString(cityHash64(number + {tid0})), number, number % 2 = 0, "
        f"0.01 * (number % 7), 'USDC' FROM numbers({n})"
    )
    client.close()


def rows(server: str, table: str, order_by: str, *, final: bool = True) -> list[tuple]:
    """Every row of `table` on `server` as the admin sees it (independent of the replication code)."""
    client = connect(server, "admin")
    try:
        return client.query(
            f"SELECT * FROM {table}{' FINAL' if final else ''} ORDER BY {order_by}"
        ).result_rows
    finally:
        client.close()


def count(server: str, table: str, where: str = "1") -> int:
    client = connect(server, "admin")
    try:
        return int(client.query(f"SELECT count() FROM {table} WHERE {where}").result_rows[0][0])
    finally:
        client.close()


def admin(server: str, sql: str) -> None:
    client = connect(server, "admin")
    try:
        client.command(sql)
    finally:
        client.close()


def runs(server: str = "local") -> list[dict]:
    client = connect(server, "admin")
    try:
        return list(
            client.query(
                "SELECT * FROM maicro_monitors.replication_runs ORDER BY started_at, database, table"
            ).named_results()
        )
    finally:
        client.close()
