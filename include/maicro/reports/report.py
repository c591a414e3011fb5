"""Build and send a report: read the marts, check completeness, render, deliver once.

A scheduled run triggered by fresh marts sends only a complete period and otherwise waits for the
next build; the run at the deadline (or `maicro report --send`) sends whatever there is, with a
banner naming what is missing. Never a silently half-empty email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from maicro import settings
from maicro.delivery.message import Email, InlineImage
from maicro.delivery.once import Delivery, deliver_once
from maicro.reports import charts, common, completeness, daily, periods, specs, weekly
from maicro.reports.marts import MartReader
from maicro.reports.periods import Period
from maicro.reports.render import render_email, signed


@dataclass(frozen=True)
class Built:
    email: Email
    gaps: list[completeness.Gap]
    reader: MartReader


def _accounts(reader: MartReader, period: Period) -> list[str]:
    configured = [a.address for a in settings.get().accounts]
    if configured:
        return configured
    seen = reader.df(
        "SELECT DISTINCT account FROM analytics.fct_account_daily "
        "WHERE day BETWEEN {first:Date} AND {last:Date}",
        first=period.first,
        last=period.last,
    )
    return sorted(seen["account"])


def build_email(period: Period, *, reader: MartReader | None = None) -> Built:
    reader = reader or MartReader()
    spec = specs.by_kind(period.kind)
    gaps = completeness.check(reader, period, _accounts(reader, period))
    if period.kind == "daily":
        context = daily.build(reader, period)
        total = context["fund"]["pnl"]["total"]
        subject = spec.subject(period.label, signed(total), incomplete=bool(gaps))
        email = render_email(spec.name, {**context, "gaps": gaps}, subject)
    else:
        context = weekly.build(reader, period)
        total = context["fund"]["rows"][0]["this"]
        subject = spec.subject(period.label, signed(total), incomplete=bool(gaps))
        names = common.account_names([a["key"] for a in context["accounts"]])
        c = context["charts"]
        images = (
            InlineImage("equity", charts.equity(c["equity"], c["fund_equity"], names, c["week"])),
            InlineImage(
                "tracking", charts.tracking(c["tracking"], names, c["threshold"], c["week"])
            ),
        )
        email = render_email(spec.name, {**context, "gaps": gaps}, subject, images)
    return Built(email, gaps, reader)


def deliver(period: Period, built: Built) -> Delivery:
    """Deliver a built report once, under its one name (ledger row and idempotency key)."""
    spec = specs.by_kind(period.kind)
    return deliver_once(
        spec.name,
        period.label,
        built.email,
        incomplete=bool(built.gaps),
        legacy_report_names=spec.legacy_key_names,
    )


def send_report(period: Period, *, only_if_complete: bool = False) -> Delivery | None:
    """Build and deliver once. With `only_if_complete`, an incomplete period is not sent (None)."""
    built = build_email(period)
    try:
        if built.gaps and only_if_complete:
            return None
        return deliver(period, built)
    finally:
        built.reader.close()


def run_scheduled(name: str, run_after: datetime, *, triggered_by_assets: bool) -> str:
    """What report `name`'s DAG run does: report the period that ended before `run_after`.

    A run triggered by fresh marts sends only a complete period (otherwise it waits for the next
    build); the run at the deadline (time schedule, or a manual run) sends anyway, with the
    banner. Already delivered: nothing is sent. Returns one line for the task log.
    """
    period = periods.last_ended(specs.get(name).kind, run_after)
    delivery = send_report(period, only_if_complete=triggered_by_assets)
    if delivery is None:
        return f"{name} {period.label}: data incomplete, waiting for the deadline"
    what = "sent" if delivery.sent_now else "already sent"
    return f"{name} {period.label}: {what} via {delivery.result.transport} ({delivery.result.message_id})"
