"""One ingestion run: every data type fetched over one explicit window, stored idempotently.

A run never asks "what is new": it fetches exactly [start, end) (the Airflow data interval, or
`--start/--end`), so re-running a window or overlapping windows rewrites the same natural keys
(ReplacingMergeTree) and late data inside a window is picked up by a re-run. Each data type is a
separate step (one Airflow task each) that writes:

- its rows to the raw tables, records failing validation to `maicro_monitors.quarantine`;
- one `maicro_monitors.ingest_runs` row per account (or one for account-less types) with counts,
  the API weight it used and a status: ok, partial (stored, with a note such as "n records out of
  reach"), skipped (e.g. snapshots of an old window), failed (the API kept failing);
- every HTTP round trip to `maicro_monitors.api_latency` (latency per endpoint, server skew).

A step that failed for some account raises `IngestFailed` after storing what it could, so Airflow
retries it; a retry repeats the window and duplicates nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from maicro import settings
from maicro.catalog import DATA_TYPES
from maicro.errors import MaicroError
from maicro.hyperliquid.client import HyperliquidClient, HyperliquidUnavailable
from maicro.ingest import (
    candles,
    fills,
    funding,
    ledger,
    orders,
    portfolio,
    snapshots,
    strategies,
    target_table,
    targets,
)
from maicro.ingest import records as r
from maicro.ingest.window import Window
from maicro.ingest.writer import RunLogEntry, Writer

_TIME_RANGED = {"fills": fills, "funding": funding, "ledger": ledger, "orders": orders}


class IngestFailed(MaicroError):
    """A step could not fetch everything (after retries); what it could fetch is stored."""


@dataclass
class Outcome:
    """What one step did over the window: its run-log rows, one per account (or one)."""

    data_type: str
    window: Window
    entries: list[RunLogEntry] = field(default_factory=list)

    @property
    def rows_inserted(self) -> int:
        return sum(e.rows_inserted for e in self.entries)

    @property
    def rows_quarantined(self) -> int:
        return sum(e.rows_quarantined for e in self.entries)

    @property
    def failed(self) -> list[RunLogEntry]:
        return [e for e in self.entries if e.status == "failed"]

    def summary(self) -> str:
        statuses = sorted({e.status for e in self.entries}) or ["nothing to do"]
        notes = "; ".join(sorted({e.error for e in self.entries if e.error}))
        return (
            f"{self.data_type} {self.window}: {self.rows_inserted} rows stored, "
            f"{self.rows_quarantined} quarantined ({'/'.join(statuses)})"
            + (f" — {notes}" if notes else "")
        )


def live_tolerance_ms() -> int:
    """How close to the exchange's clock a window must end for "now" snapshots to be taken."""
    return settings.get().live_tolerance_ms


def _now_ms() -> int:
    return int(time.time() * 1000)


class Ingestion:
    """Fetch-and-store of one window, one data type at a time, with one API client (one `Info`)."""

    def __init__(
        self,
        window: Window,
        *,
        accounts: list[settings.Account] | None = None,
        client: HyperliquidClient | None = None,
        writer: Writer | None = None,
        run_id: str | None = None,
    ) -> None:
        self.window = window
        self.accounts = settings.get().accounts if accounts is None else accounts
        if not self.accounts:
            raise MaicroError("MAICRO_ACCOUNTS is empty: set it to 0xADDRESS=strategy,...")
        self.client = client or HyperliquidClient()
        self.writer = writer or Writer()
        self.run_id = run_id or uuid.uuid4().hex[:16]
        self._server_time: int | None = None
        self._mapping_recorded = False

    @property
    def addresses(self) -> list[str]:
        return [a.address for a in self.accounts]

    @property
    def strategies(self) -> list[str]:
        return sorted({a.strategy for a in self.accounts if a.strategy})

    def close(self) -> None:
        self.writer.close()

    # -- one step ----------------------------------------------------------------------------

    def run(self, data_type: str) -> Outcome:
        """Fetch and store one data type over the window; raises IngestFailed if some part failed
        (after storing the rest and the run log)."""
        if data_type not in DATA_TYPES:
            raise MaicroError(
                f"unknown data type {data_type!r}; expected one of {', '.join(DATA_TYPES)}"
            )
        outcome = Outcome(data_type, self.window)
        self._record_account_strategies()
        try:
            STEPS[data_type](self, outcome)
        finally:
            self.writer.log_run(outcome.entries)
            self.writer.log_round_trips(self.client.source, self.client.round_trips)
            self.client.round_trips.clear()
        if outcome.failed:
            raise IngestFailed(
                "; ".join(
                    f"{data_type} {e.account or ''} {self.window}: {e.error}".replace("  ", " ")
                    for e in outcome.failed
                )
            )
        return outcome

    def _record_account_strategies(self) -> None:
        """MAICRO_ACCOUNTS → maicro_logs.account_strategies, once per run: a new account from the
        start, a re-assigned one from the exchange's time now (analytics tracks each period
        against the strategy of the time). If the exchange cannot tell its time, the change is
        left for the next step or run to record."""
        if self._mapping_recorded:
            return
        try:
            strategies.record(
                self.writer.client,
                [(a.address, a.strategy or "") for a in self.accounts],
                self.server_time,
                self.writer.insert,
            )
        except HyperliquidUnavailable:
            return
        self._mapping_recorded = True

    def _entry(self, outcome: Outcome, account: str = "") -> RunLogEntry:
        entry = RunLogEntry(
            self.run_id,
            outcome.data_type,
            account,
            self.window.start_ms,
            self.window.end_ms,
            started_ms=_now_ms(),
        )
        outcome.entries.append(entry)
        return entry

    def _guarded(self, entry: RunLogEntry, body: Callable[[], None]) -> None:
        """Run one unit of work, turning API failure into a failed run-log entry."""
        spent = self.client.weight_spent
        notes = len(self.client.notes)
        try:
            body()
        except (MaicroError, r.BadRecord) as exc:  # the API (after retries), a feed, a bad answer
            entry.status, entry.error = "failed", str(exc)
        new_notes = self.client.notes[notes:]
        if new_notes and entry.status == "ok":
            entry.status, entry.error = "partial", "; ".join(new_notes)
        entry.api_weight_used = self.client.weight_spent - spent
        entry.finished_ms = _now_ms()

    def _store(
        self,
        entry: RunLogEntry,
        table: str,
        columns,
        parsed: r.Parsed,
        time_column: int | None = None,
    ) -> None:
        rows = parsed.rows
        if time_column is not None:
            inside = [row for row in rows if self.window.contains(row[time_column])]
            if len(inside) != len(rows):
                self.client.notes.append(
                    f"{len(rows) - len(inside)} record(s) outside the window "
                    "ignored (they belong to another window)"
                )
            rows = inside
        entry.rows_inserted += self.writer.insert(table, columns, rows)
        entry.rows_quarantined += self.writer.quarantine(parsed.quarantined)

    def _parse(self, records, parse, data_type: str, account: str = "") -> r.Parsed:
        return r.parse_all(
            records, parse, data_type=data_type, account=account, source=self.client.source
        )

    # -- the steps ---------------------------------------------------------------------------

    def _time_ranged(self, outcome: Outcome) -> None:
        module = _TIME_RANGED[outcome.data_type]
        for address in self.addresses:
            entry = self._entry(outcome, address)

            def body(address=address, entry=entry):
                records = module.fetch(self.client, address, self.window)
                entry.rows_fetched = len(records)
                parsed = self._parse(records, module.parse, module.DATA_TYPE, address)
                self._store(entry, module.TABLE, module.COLUMNS, parsed, module.TIME_COLUMN)

            self._guarded(entry, body)

    def server_time(self) -> int:
        """The exchange's clock (once per run), which decides whether "now" snapshots apply."""
        if self._server_time is None:
            self._server_time = self.client.server_time(self.addresses[0])
        return self._server_time

    def _live_or_skip(self, entry: RunLogEntry) -> bool:
        server_now = self.server_time()
        if snapshots.is_live(self.window, server_now, live_tolerance_ms()):
            return True
        entry.status = "skipped"
        entry.error = (
            f"window ends {abs(server_now - self.window.end_ms) // 1000} s away from the "
            "exchange's clock: state snapshots describe now, not this window"
        )
        entry.finished_ms = _now_ms()
        return False

    def _snapshots(self, outcome: Outcome) -> None:
        for address in self.addresses:
            entry = self._entry(outcome, address)
            try:
                if not self._live_or_skip(entry):
                    continue
            except HyperliquidUnavailable as exc:
                entry.status, entry.error, entry.finished_ms = "failed", str(exc), _now_ms()
                continue

            def body(address=address, entry=entry):
                state = self.client.clearinghouse_state(address)
                account_rows = self._parse(
                    [state], snapshots.parse_account, "account_snapshots", address
                )
                if not account_rows.rows:  # no usable time: positions cannot be stamped
                    self._store(
                        entry, snapshots.ACCOUNT_TABLE, snapshots.ACCOUNT_COLUMNS, account_rows
                    )
                    return
                at = account_rows.rows[0][1]
                positions = state.get("assetPositions") or []
                position_rows = self._parse(
                    positions,
                    lambda p, a: snapshots.parse_position(p, a, at),
                    "position_snapshots",
                    address,
                )
                account_rows.rows = [
                    snapshots.with_positions(account_rows.rows[0], position_rows.rows)
                ]
                self._store(entry, snapshots.ACCOUNT_TABLE, snapshots.ACCOUNT_COLUMNS, account_rows)
                self._store(
                    entry, snapshots.POSITION_TABLE, snapshots.POSITION_COLUMNS, position_rows
                )
                open_orders = self.client.frontend_open_orders(address)
                entry.rows_fetched = 1 + len(positions) + len(open_orders)
                self._store(
                    entry,
                    snapshots.OPEN_ORDER_TABLE,
                    snapshots.OPEN_ORDER_COLUMNS,
                    self._parse(
                        open_orders,
                        lambda o, a: snapshots.parse_open_order(o, a, at),
                        "open_order_snapshots",
                        address,
                    ),
                )

            self._guarded(entry, body)

    def _portfolio(self, outcome: Outcome) -> None:
        """The exchange's account-value history, one request per account; only the points
        inside the window are stored (the answer always runs up to now: see the module)."""
        for address in self.addresses:
            entry = self._entry(outcome, address)

            def body(address=address, entry=entry):
                records = portfolio.fetch(self.client, address)
                entry.rows_fetched = len(records)
                parsed = self._parse(records, portfolio.parse, portfolio.DATA_TYPE, address)
                parsed.rows = [
                    row for row in parsed.rows if self.window.contains(row[portfolio.TIME_COLUMN])
                ]
                self._store(entry, portfolio.TABLE, portfolio.COLUMNS, parsed)

            self._guarded(entry, body)

    def _market(self, outcome: Outcome) -> None:
        entry = self._entry(outcome)
        try:
            if not self._live_or_skip(entry):
                return
        except HyperliquidUnavailable as exc:
            entry.status, entry.error, entry.finished_ms = "failed", str(exc), _now_ms()
            return

        def body():
            at = self.server_time()
            contexts = snapshots.context_records(self.client.meta_and_asset_ctxs())
            mids = snapshots.mid_records(self.client.all_mids())
            entry.rows_fetched = len(contexts) + len(mids)
            self._store(
                entry,
                snapshots.CONTEXT_TABLE,
                snapshots.CONTEXT_COLUMNS,
                self._parse(
                    contexts, lambda c, a: snapshots.parse_context(c, at), "asset_contexts"
                ),
            )
            self._store(
                entry,
                snapshots.MIDS_TABLE,
                snapshots.MIDS_COLUMNS,
                self._parse(mids, lambda m, a: snapshots.parse_mid(m, at), "mids"),
            )

        self._guarded(entry, body)

    def _candles(self, outcome: Outcome) -> None:
        coins = candles.coins_to_fetch(
            self.writer.client, self.addresses, self.strategies, self.window
        )
        if not coins:
            entry = self._entry(outcome)
            entry.error, entry.finished_ms = "no coin held or targeted in the window", _now_ms()
        for coin in coins:
            entry = self._entry(outcome, coin)

            def body(coin=coin, entry=entry):
                records = candles.fetch(self.client, coin, self.window)
                entry.rows_fetched = len(records)
                self._store(
                    entry,
                    candles.TABLE,
                    candles.COLUMNS,
                    self._parse(records, candles.parse, candles.DATA_TYPE),
                    candles.TIME_COLUMN,
                )

            self._guarded(entry, body)

    def _targets(self, outcome: Outcome) -> None:
        entry = self._entry(outcome)
        url, table = targets.feed_url(), target_table.table()
        if not url and not table:
            entry.status, entry.error = (
                "skipped",
                "neither MAICRO_TARGETS_URL nor MAICRO_TARGETS_TABLE set: no target source",
            )
            entry.finished_ms = _now_ms()
            return

        def store(frame, source: str) -> None:
            entry.rows_fetched += len(frame)
            rows, problems = targets.check(frame, strategies=set(self.strategies))
            inside = [row for row in rows if self.window.contains(row[1])]
            entry.rows_inserted += targets.insert(self.writer.client, inside, source)
            entry.rows_quarantined += self.writer.quarantine(
                r.Quarantined(source, "target_weights", "", p.reason, r.raw_json(p.raw))
                for p in problems
            )

        def body():
            if table:
                window = (self.window.start_ms, self.window.end_ms)
                store(target_table.read_window(self.writer.client, table, *window), table)
            for strategy in self.strategies if url else ():
                assert url is not None
                window = (self.window.start_ms, self.window.end_ms)
                store(targets.fetch_feed(url, strategy, *window), url)

        self._guarded(entry, body)


# Each data type's step; every one of catalog.DATA_TYPES has one (tests/unit/test_ingest_steps.py).
STEPS: dict[str, Callable[[Ingestion, Outcome], None]] = {
    "fills": Ingestion._time_ranged,
    "funding": Ingestion._time_ranged,
    "ledger": Ingestion._time_ranged,
    "orders": Ingestion._time_ranged,
    "snapshots": Ingestion._snapshots,
    "portfolio": Ingestion._portfolio,
    "market": Ingestion._market,
    "candles": Ingestion._candles,
    "targets": Ingestion._targets,
}


def run_window(
    window: Window,
    data_types: tuple[str, ...] = DATA_TYPES,
    *,
    accounts: list[settings.Account] | None = None,
    client=None,
    writer=None,
    on_step: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Every requested step over one window (CLI and benchmark); failures are collected and
    raised together at the end, after the other steps have run."""
    ingestion = Ingestion(window, accounts=accounts, client=client, writer=writer)
    outcomes, errors = [], []
    try:
        for data_type in data_types:
            try:
                outcome = ingestion.run(data_type)
            except IngestFailed as exc:
                errors.append(str(exc))
                continue
            outcomes.append(outcome)
            if on_step:
                on_step(outcome)
    finally:
        if writer is None:
            ingestion.close()
    if errors:
        raise IngestFailed("; ".join(errors))
    return outcomes


def run_step(data_type: str, start, end) -> dict:
    """One step over [start, end) with its own client and writer: what an Airflow task runs.

    Returns the counts (the task's XCom) and prints the summary line the task log shows,
    including how many records were quarantined.
    """
    window = Window.of(start, end)
    ingestion = Ingestion(window)
    try:
        outcome = ingestion.run(data_type)
    finally:
        ingestion.close()
    print(outcome.summary())
    return {
        "data_type": data_type,
        "window_start_ms": window.start_ms,
        "window_end_ms": window.end_ms,
        "rows_inserted": outcome.rows_inserted,
        "rows_quarantined": outcome.rows_quarantined,
        "statuses": sorted({e.status for e in outcome.entries}),
    }
