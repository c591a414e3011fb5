"""The two reports, each defined once: its name, title, period and deadline.

A report has ONE name (`daily_pnl`, `weekly_risk`), derived from its title, and everything that
identifies it derives from that name: the delivery ledger's `report` column and idempotency key,
the DAG id (`report_<name>`), the CLI subcommand (`maicro report <name>`) and the email subject
(the title). Before this module the idempotency key was made from `daily_report`/`weekly_report`
while the ledger row said `daily_pnl`; `legacy_key_names` keeps those earlier rows meaningful
(a period delivered under the old key is still not sent again).
"""

from __future__ import annotations

from dataclasses import dataclass

from maicro import settings
from maicro.errors import MaicroError


@dataclass(frozen=True)
class ReportSpec:
    title: str  # the subject's first words: "Daily PnL"
    kind: str  # the period kind (maicro.reports.periods): "daily" or "weekly"
    deadline_setting: str  # the Settings field holding the deadline cron (UTC)
    what: str  # one line for help texts and the DAG doc
    cli_alias: str  # the short CLI form the README documents: `maicro report daily`
    period_option: str  # the CLI option naming the period: --date or --week
    period_help: str
    legacy_key_names: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.title.lower().replace(" ", "_")

    @property
    def dag_id(self) -> str:
        return f"report_{self.name}"

    @property
    def deadline(self) -> str:
        return str(getattr(settings.get(), self.deadline_setting))

    def subject(self, label: str, headline: str, *, incomplete: bool) -> str:
        return f"{'[INCOMPLETE] ' if incomplete else ''}{self.title} {label}: {headline}"


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            title="Daily PnL",
            kind="daily",
            deadline_setting="maicro_report_daily_deadline",
            what="the daily PnL email for the UTC day that ended",
            cli_alias="daily",
            period_option="--date",
            period_help="YYYY-MM-DD",
            legacy_key_names=("daily_report",),
        ),
        ReportSpec(
            title="Weekly Risk",
            kind="weekly",
            deadline_setting="maicro_report_weekly_deadline",
            what="the weekly risk email for the ISO week (Monday to Sunday) that ended",
            cli_alias="weekly",
            period_option="--week",
            period_help="YYYY-Www, e.g. 2026-W10",
            legacy_key_names=("weekly_report",),
        ),
    )
}


def by_kind(kind: str) -> ReportSpec:
    """The report of a period kind ("daily" -> daily_pnl)."""
    for spec in REPORTS.values():
        if spec.kind == kind:
            return spec
    raise MaicroError(f"unknown report kind {kind!r}; expected daily or weekly")


def get(name: str) -> ReportSpec:
    try:
        return REPORTS[name]
    except KeyError:
        raise MaicroError(
            f"unknown report {name!r}; expected one of {', '.join(REPORTS)}"
        ) from None
