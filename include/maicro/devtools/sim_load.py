"""Load a simulator's records straight into raw tables, without HTTP (tests and the benchmark).

The analytics tests and `bench/analytics_bench.py` need realistic raw data far faster than the
/info API can page it: this uses the simulator's bulk `records()` path and the very parsers
ingestion uses (`maicro.ingest.*.parse`), so the rows are exactly what `maicro ingest` would
store. Snapshots are taken by answering `clearinghouseState` with the simulator's clock moved to
the snapshot time (the clock is restored afterwards).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from maicro.hyperliquid.simulator.info import InfoApi
from maicro.ingest import candles, fills, funding, ledger, orders, portfolio, snapshots, strategies

DAY_MS = 86_400_000
INGEST_DELAY_MS = 60_000


def _insert(
    client,
    table: str,
    columns: Sequence[str],
    rows: list[tuple],
    batch_rows: int = 500_000,
    stamp_column: int | None = None,
    stamp_name: str = "ingested_at",
) -> int:
    """Insert rows; with `stamp_column`, ingested_at = that (ms) column + 1 minute, as if the
    records had been ingested as they happened (a year of history loaded at once would otherwise
    look 'just ingested' to the incremental models' late-arrival lookback)."""
    if stamp_column is not None:
        rows = [row + (row[stamp_column] + INGEST_DELAY_MS,) for row in rows]
        columns = [*columns, stamp_name]
    for begin in range(0, len(rows), batch_rows):
        batch = rows[begin : begin + batch_rows]
        client.insert(table, list(zip(*batch)), column_names=list(columns), column_oriented=True)
    return len(rows)


def load_history(
    sim,
    client,
    start_ms: int,
    end_ms: int,
    *,
    kinds: Iterable[str] = (
        "fills",
        "funding",
        "ledger",
        "orders",
        "candles",
        "targets",
        "accounts",
    ),
    as_if_live: bool = False,
) -> dict[str, int]:
    """Every record with start_ms <= time < end_ms (and <= the simulator's now) into `client`'s
    raw tables; returns rows per table. `as_if_live`: ingested_at = record time + 1 minute."""
    kinds = set(kinds)
    counts: dict[str, int] = {}
    per_account = {"fills": fills, "funding": funding, "ledger": ledger, "orders": orders}
    for kind, module in per_account.items():
        if kind not in kinds:
            continue
        counts[module.TABLE] = 0
        for address, _strategy in sim.accounts:
            rows = [
                module.parse(rec, address) for rec in sim.records(kind, address, start_ms, end_ms)
            ]
            counts[module.TABLE] += _insert(
                client,
                module.TABLE,
                module.COLUMNS,
                rows,
                stamp_column=module.TIME_COLUMN if as_if_live else None,
            )
    if "candles" in kinds:
        counts[candles.TABLE] = 0
        for coin in sim.market.names:  # one coin at a time: a year of 1m candles is 525k rows
            rows = [
                candles.parse(rec)
                for rec in sim.records("candles", None, start_ms, end_ms, coin=coin)
            ]
            counts[candles.TABLE] += _insert(
                client,
                candles.TABLE,
                candles.COLUMNS,
                rows,
                stamp_column=candles.TIME_COLUMN if as_if_live else None,
            )
    if "targets" in kinds:
        frame = sim.targets(start_ms=start_ms, end_ms=end_ms - 1)
        rows = [
            (s, int(ts), c, float(w), "simulator")
            for s, ts, c, w in frame.itertuples(index=False, name=None)
        ]
        counts["maicro_logs.target_weights"] = _insert(
            client,
            "maicro_logs.target_weights",
            ("strategy", "ts", "coin", "target_weight", "source"),
            rows,
            stamp_column=1 if as_if_live else None,
            stamp_name="inserted_at",
        )
    if "accounts" in kinds:
        # as ingestion records them: only what is new (a re-load adds nothing); `as_if_live`,
        # recorded as the loaded history began
        def insert(table: str, columns: Sequence[str], rows: list[tuple]) -> int:
            if as_if_live:
                rows = [row + (start_ms + INGEST_DELAY_MS,) for row in rows]
                columns = [*columns, "updated_at"]
            return _insert(client, table, columns, rows)

        counts[strategies.TABLE] = len(
            strategies.record(client, sim.accounts, lambda: start_ms, insert)
        )
    return counts


def load_snapshots(
    sim, client, times_ms: Iterable[int], *, mids: bool = True, as_if_live: bool = False
) -> dict[str, int]:
    """Account/position snapshots (and allMids) as `maicro ingest` would take them at each time
    (`as_if_live`: ingested_at = snapshot time + 1 minute)."""
    api = InfoApi(sim)
    saved = sim.now_ms()
    account_rows, position_rows, mid_rows = [], [], []
    try:
        for t in times_ms:
            sim.set_now(int(t))
            for address, _strategy in sim.accounts:
                state, _ = api.handle({"type": "clearinghouseState", "user": address})
                at = int(state["time"])
                positions = [
                    snapshots.parse_position(item, address, at)
                    for item in state.get("assetPositions") or []
                ]
                account_rows.append(
                    snapshots.with_positions(snapshots.parse_account(state, address), positions)
                )
                position_rows += positions
            if mids:
                answer, _ = api.handle({"type": "allMids"})
                mid_rows += [
                    snapshots.parse_mid(rec, int(t)) for rec in snapshots.mid_records(answer)
                ]
    finally:
        sim.set_now(saved)
    stamp = (lambda column: column) if as_if_live else (lambda column: None)
    return {
        snapshots.ACCOUNT_TABLE: _insert(
            client,
            snapshots.ACCOUNT_TABLE,
            snapshots.ACCOUNT_COLUMNS,
            account_rows,
            stamp_column=stamp(1),
        ),
        snapshots.POSITION_TABLE: _insert(
            client,
            snapshots.POSITION_TABLE,
            snapshots.POSITION_COLUMNS,
            position_rows,
            stamp_column=stamp(1),
        ),
        snapshots.MIDS_TABLE: _insert(
            client, snapshots.MIDS_TABLE, snapshots.MIDS_COLUMNS, mid_rows, stamp_column=stamp(0)
        ),
    }


def load_portfolio(
    sim, client, at_ms: int, start_ms: int, end_ms: int, *, as_if_live: bool = False
) -> int:
    """The exchange's portfolio history as `maicro ingest` stores it from a `portfolio` answer
    given at `at_ms` (clock moved there and restored): every point with start_ms <= time <
    end_ms, for every account (`as_if_live`: ingested_at = point time + 1 minute). Returns the
    rows stored."""
    from maicro.hyperliquid.simulator.info import InfoApi

    api = InfoApi(sim)
    saved = sim.now_ms()
    rows = []
    try:
        sim.set_now(int(at_ms))
        for address, _strategy in sim.accounts:
            answer, _ = api.handle({"type": "portfolio", "user": address})
            rows += [
                row
                for row in (portfolio.parse(rec, address) for rec in portfolio.points(answer))
                if start_ms <= row[portfolio.TIME_COLUMN] < end_ms
            ]
    finally:
        sim.set_now(saved)
    return _insert(
        client,
        portfolio.TABLE,
        portfolio.COLUMNS,
        rows,
        stamp_column=portfolio.TIME_COLUMN if as_if_live else None,
    )


def end_of_day_times(origin_ms: int, day_indexes: Iterable[int]) -> list[int]:
    """The last millisecond of each day index: where the ground truth values end-of-day."""
    return [origin_ms + (d + 1) * DAY_MS - 1 for d in day_indexes]
