"""Which strategy each account runs, recorded as a history in `maicro_logs.account_strategies`.

One row per (account, valid_from): the account runs `strategy` from `valid_from` until its next
row. An account seen for the first time gets valid_from 1970 (backfills reach back before the
first run, and its whole history belongs to the strategy it was configured with); a re-assigned
account gets a row from the time the change is first seen, so that its history stays with the
strategy it ran then. Nothing is written while the mapping is unchanged, so runs do not grow the
table and incremental builds do not see a change that is not one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from clickhouse_connect.driver.client import Client

TABLE = "maicro_logs.account_strategies"
COLUMNS = ("account", "strategy", "valid_from")
FROM_THE_START_MS = 0


def current(client: Client, accounts: Iterable[str]) -> dict[str, str]:
    """The strategy in force now for each of `accounts` that has one recorded."""
    accounts = sorted(set(accounts))
    if not accounts:
        return {}
    rows = client.query(
        f"SELECT account, argMax(strategy, valid_from) FROM {TABLE} FINAL "
        "WHERE account IN {accounts:Array(String)} GROUP BY account",
        parameters={"accounts": accounts},
    ).result_rows
    return {account: strategy for account, strategy in rows}


def changes(
    mapping: Iterable[tuple[str, str]], recorded: dict[str, str], changed_at_ms: Callable[[], int]
) -> list[tuple[str, str, int]]:
    """The rows to add for `mapping` (account, strategy) given what is `recorded`: new accounts
    from the start, re-assigned ones from `changed_at_ms()` (called only if one is)."""
    rows: list[tuple[str, str, int]] = []
    changed_at: int | None = None
    for account, strategy in mapping:
        if account not in recorded:
            rows.append((account, strategy, FROM_THE_START_MS))
        elif recorded[account] != strategy:
            changed_at = changed_at_ms() if changed_at is None else changed_at
            rows.append((account, strategy, changed_at))
    return rows


def record(
    client: Client,
    mapping: Iterable[tuple[str, str]],
    changed_at_ms: Callable[[], int],
    insert: Callable[[str, Sequence[str], list[tuple]], int],
) -> list[tuple[str, str, int]]:
    """Add the rows `changes` finds for `mapping`, reading what is recorded through `client` and
    writing through `insert(table, columns, rows)` (ingestion's Writer, or the bulk loader's);
    returns them."""
    mapping = list(mapping)
    rows = changes(mapping, current(client, [account for account, _ in mapping]), changed_at_ms)
    if rows:
        insert(TABLE, COLUMNS, rows)
    return rows
