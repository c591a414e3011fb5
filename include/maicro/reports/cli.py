"""`maicro report daily|weekly`: render a report to an HTML file and optionally send it."""

from __future__ import annotations

import argparse
from pathlib import Path

from maicro.delivery.message import browser_html
from maicro.reports import periods


def register(subparsers) -> None:
    report = subparsers.add_parser("report", help="render (and send) the daily or weekly report")
    kinds = report.add_subparsers(dest="kind", required=True)
    daily = kinds.add_parser("daily", help="the daily PnL report of one UTC day")
    daily.add_argument("--date", required=True, help="YYYY-MM-DD")
    weekly = kinds.add_parser("weekly", help="the weekly risk report of one ISO week")
    weekly.add_argument("--week", required=True, help="YYYY-Www, e.g. 2026-W10")
    for parser in (daily, weekly):
        parser.add_argument("--out", type=Path, help="write the HTML (images embedded) here")
        parser.add_argument(
            "--send", action="store_true", help="send through MAICRO_EMAIL_TRANSPORT (once)"
        )
        parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from maicro.delivery.once import deliver_once
    from maicro.reports.report import REPORT_NAMES, build_email

    period = periods.day(args.date) if args.kind == "daily" else periods.week(args.week)
    built = build_email(period)
    try:
        for gap in built.gaps:
            print(f"incomplete: {gap.describe()}")
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(browser_html(built.email), encoding="utf-8")
            print(f"wrote {args.out} ({built.email.subject})")
        if args.send:
            delivery = deliver_once(
                REPORT_NAMES[period.kind], period.label, built.email, incomplete=bool(built.gaps)
            )
            what = "sent" if delivery.sent_now else "already sent earlier"
            print(f"{what} via {delivery.result.transport}: {delivery.result.message_id}")
        if not args.out and not args.send:
            print(built.email.text)
    finally:
        built.reader.close()
    return 0
