"""Is a period's data complete? Answered from the pipeline's run logs, never from the clock.

Complete means, for the period [start, end):
1. ingestion covered all of it, for every configured account (fills, funding, ledger, orders,
   snapshots) and for the account-less data types (targets, market, candles): the windows of its
   runs with status ok, partial or skipped (a backfill skips "now" snapshots by design) leave no
   gap;
2. replication verified every data table after the last of those runs finished;
3. the marts were built after that verification: every mart's newest dbt run (recorded by dbt in
   `analytics.mart_builds`) started after it, and they hold the period's last day for every
   account.

Each shortfall is a `Gap` naming what is missing (account, data type) and since when, which the
report prints as a banner at its top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from maicro import catalog
from maicro.reports.marts import MartReader
from maicro.reports.periods import Period

PER_ACCOUNT = ("fills", "funding", "ledger", "orders", "snapshots")
COVERING_STATUSES = ("ok", "partial", "skipped")


NOT_INGESTED = "not ingested"
NOT_VERIFIED = "not verified on the cloud"
NOT_BUILT = "not built into the marts"
NOT_REBUILT = "not rebuilt since the verification at"


@dataclass(frozen=True)
class Gap:
    account: str  # an address, or "" for account-less data types and replicated tables
    data_type: str  # an ingest data type, a replicated table, or "marts"
    since: datetime | None  # the first moment missing; None: nothing in this period
    problem: str = NOT_INGESTED

    def describe(self) -> str:
        who = f" for {self.account}" if self.account else ""
        if self.problem == NOT_REBUILT and self.since is not None:
            return f"{self.data_type} {NOT_REBUILT} {self.since:%Y-%m-%d %H:%M} UTC"
        if self.since is None:
            when = "for the whole period"
        else:
            when = f"since {self.since:%Y-%m-%d %H:%M} UTC"
        return f"{self.data_type}{who} {self.problem} {when}"


def _covered_until(windows: pd.DataFrame, start: datetime, end: datetime) -> datetime:
    """How far from `start` the union of [window_start, window_end) reaches without a hole."""
    reached: Any = start
    for row in windows.sort_values("window_start").itertuples():
        if row.window_start > reached:
            break
        reached = max(reached, row.window_end)
        if reached >= end:
            break
    return reached


def check(reader: MartReader, period: Period, accounts: list[str]) -> list[Gap]:
    start, end = period.start, period.end
    runs = reader.df(
        "SELECT data_type, account, window_start, window_end, finished_at "
        "FROM maicro_monitors.ingest_runs FINAL "
        "WHERE status IN {ok:Array(String)} AND window_end > {start:DateTime64(3)} "
        "AND window_start < {end:DateTime64(3)}",
        ok=list(COVERING_STATUSES),
        start=start,
        end=end,
    )
    for column in ("window_start", "window_end", "finished_at"):
        runs[column] = pd.to_datetime(runs[column], utc=True)
    gaps: list[Gap] = []
    for data_type in catalog.DATA_TYPES:
        of_type = runs[runs["data_type"] == data_type]
        for account in accounts if data_type in PER_ACCOUNT else [""]:
            windows = of_type[of_type["account"] == account] if account else of_type
            reached = _covered_until(windows, start, end)
            if reached < end:
                gaps.append(Gap(account, data_type, pd.Timestamp(reached).to_pydatetime()))
    if gaps:
        return gaps
    last_run = runs["finished_at"].max()
    verified = reader.df(
        # not aliased `verified_at`: ClickHouse would read minIf's column as that aggregate
        "SELECT database, table, max(verified_at) AS last_verified, "
        "minIf(verified_at, verified_at >= {run:DateTime64(3)}) AS first_after "
        "FROM maicro_monitors.verification_results WHERE status = 'ok' "
        "GROUP BY database, table",
        run=last_run.to_pydatetime(),
    )
    for column in ("last_verified", "first_after"):
        verified[column] = pd.to_datetime(verified[column], utc=True)
    by_table: dict[str, Any] = {f"{r.database}.{r.table}": r for r in verified.itertuples()}
    proofs: list[Any] = []  # per table: the first verification that covered the last run
    for table in catalog.data_tables():
        row = by_table.get(table.qualified)
        if row is None or row.last_verified < last_run:
            # the data since the last verification (or all of it) is not known to be on the cloud
            since = pd.Timestamp(row.last_verified).to_pydatetime() if row is not None else None
            gaps.append(Gap("", table.qualified, since, NOT_VERIFIED))
        else:
            proofs.append(row.first_after)
    if not gaps:
        gaps += _marts_built_after(reader, pd.Timestamp(max(proofs)).to_pydatetime())
    built = reader.df(
        "SELECT DISTINCT account FROM analytics.fct_account_daily WHERE day = {day:Date}",
        day=period.last,
    )
    for account in sorted(set(accounts) - set(built["account"])):
        gaps.append(Gap(account, "marts", None, NOT_BUILT))
    return gaps


def _marts_built_after(reader: MartReader, verified: datetime) -> list[Gap]:
    """A Gap per mart whose newest dbt run started before `verified` (so it may lack the data
    that verification proved on the cloud): read from dbt's own record, analytics.mart_builds."""
    builds = reader.df(
        "SELECT model, max(run_started_at) AS started FROM analytics.mart_builds "
        "WHERE model IN {marts:Array(String)} GROUP BY model",
        marts=list(catalog.MARTS),
    )
    started = dict(zip(builds["model"], pd.to_datetime(builds["started"], utc=True)))
    return [
        Gap("", f"analytics.{mart}", verified, NOT_REBUILT)
        for mart in catalog.MARTS
        if mart not in started or started[mart] < verified
    ]
