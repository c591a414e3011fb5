"""`maicro ingest --start … --end … [--account …]` and `maicro targets load FILE`.

`maicro ingest` does what the DAG does, outside Airflow: the window is cut into chunks (one day by
default, aligned to UTC) and every data type is fetched for each, with a progress bar on stderr.
Re-running any window is safe (nothing duplicates).
"""

from __future__ import annotations

import argparse
import sys
import time

from maicro import settings
from maicro.errors import MaicroError


def register(subparsers) -> None:
    from maicro.catalog import DATA_TYPES

    ingest = subparsers.add_parser(
        "ingest", help="fetch Hyperliquid data for a window into the local ClickHouse"
    )
    ingest.add_argument("--start", required=True, help="window start (ISO-8601 UTC or epoch ms)")
    ingest.add_argument("--end", required=True, help="window end, exclusive")
    ingest.add_argument(
        "--account", action="append", help="only this address from MAICRO_ACCOUNTS (repeatable)"
    )
    ingest.add_argument(
        "--only", help=f"comma-separated data types (default all: {','.join(DATA_TYPES)})"
    )
    ingest.add_argument("--chunk", default="1d", help="fetch in chunks of this size (default 1d)")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(func=_ingest)

    tgt = subparsers.add_parser("targets", help="strategy target weights")
    commands = tgt.add_subparsers(dest="targets_command", required=True)
    load = commands.add_parser(
        "load", help="validate and store a CSV/Parquet file of target weights (all or nothing)"
    )
    load.add_argument("file")
    load.set_defaults(func=_targets_load)


def _select_accounts(wanted: list[str] | None) -> list[settings.Account]:
    accounts = settings.get().accounts
    if not wanted:
        return accounts
    by_address = {a.address: a for a in accounts}
    chosen = []
    for address in (w.strip().lower() for w in wanted):
        if address not in by_address:
            raise MaicroError(
                f"--account {address} is not in MAICRO_ACCOUNTS "
                f"({', '.join(by_address) or 'empty'})"
            )
        chosen.append(by_address[address])
    return chosen


class Progress:
    """A one-line text progress bar on stderr (no dependency; silent when not wanted)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = max(total, 1), 0, enabled
        self.started = time.monotonic()

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        elapsed = time.monotonic() - self.started
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"{elapsed:5.0f}s {label[:60]:<60}"
        )
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _ingest(args: argparse.Namespace) -> int:
    from maicro.catalog import DATA_TYPES
    from maicro.ingest.window import Window
    from maicro.settings import parse_duration_ms

    window = Window.of(args.start, args.end)
    data_types = tuple(t.strip() for t in args.only.split(",")) if args.only else DATA_TYPES
    unknown = [t for t in data_types if t not in DATA_TYPES]
    if unknown:
        raise MaicroError(
            f"--only: unknown data type(s) {', '.join(unknown)}; expected {', '.join(DATA_TYPES)}"
        )
    accounts = _select_accounts(args.account)
    chunks = window.chunks(parse_duration_ms(args.chunk))
    progress = Progress(len(chunks) * len(data_types), not args.quiet)
    totals: dict[str, list[int]] = {t: [0, 0] for t in data_types}
    errors: list[str] = []
    from maicro.hyperliquid.client import HyperliquidClient  # heavy imports after the checks
    from maicro.ingest.run import IngestFailed, Ingestion
    from maicro.ingest.writer import Writer

    client, writer = HyperliquidClient(), Writer()
    try:
        for chunk in chunks:
            ingestion = Ingestion(chunk, accounts=accounts, client=client, writer=writer)
            for data_type in data_types:
                try:
                    outcome = ingestion.run(data_type)
                    totals[data_type][0] += outcome.rows_inserted
                    totals[data_type][1] += outcome.rows_quarantined
                except IngestFailed as exc:
                    errors.append(str(exc))
                if client.down:  # every later request would fail the same way: stop now
                    raise MaicroError(client.down)
                progress.step(f"{data_type} {chunk}")
    finally:
        progress.finish()
        writer.close()
        for line in client.failovers:
            print(f"failover: {line}", file=sys.stderr)
    for data_type, (stored, quarantined) in totals.items():
        print(f"{data_type}: {stored} rows stored, {quarantined} quarantined")
    print(
        f"window {window}: {len(chunks)} chunk(s), API weight {client.weight_spent}, "
        f"{client.retries} retries"
    )
    if errors:
        raise MaicroError(
            f"{len(errors)} step(s) failed (stored what could be fetched; re-run "
            f"the window): {errors[0]}"
        )
    return 0


def _targets_load(args: argparse.Namespace) -> int:
    from maicro.ingest import targets

    n = targets.load_file(args.file)
    print(f"{args.file}: {n} target weights loaded")
    return 0
