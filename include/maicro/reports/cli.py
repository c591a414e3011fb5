"""`maicro report daily_pnl|weekly_risk` (short forms `daily`, `weekly`): render a report to an
HTML file and optionally send it. One subcommand per `ReportSpec`, named after the report."""

from __future__ import annotations

import argparse
from pathlib import Path

from maicro.delivery.message import browser_html
from maicro.reports import periods, specs


def register(subparsers) -> None:
    report = subparsers.add_parser("report", help="render (and send) the daily or weekly report")
    names = report.add_subparsers(dest="report", required=True)
    for spec in specs.REPORTS.values():
        parser = names.add_parser(spec.name, aliases=[spec.cli_alias], help=spec.what)
        parser.add_argument(spec.period_option, dest="period", required=True,
                            help=spec.period_help)  # fmt: skip
        parser.add_argument("--out", type=Path, help="write the HTML (images embedded) here")
        parser.add_argument(
            "--send", action="store_true", help="send through MAICRO_EMAIL_TRANSPORT (once)"
        )
        parser.set_defaults(func=run, kind=spec.kind)


def run(args: argparse.Namespace) -> int:
    from maicro.reports.report import build_email, deliver

    period = periods.parse(args.kind, args.period)
    built = build_email(period)
    try:
        for gap in built.gaps:
            print(f"incomplete: {gap.describe()}")
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(browser_html(built.email), encoding="utf-8")
            print(f"wrote {args.out} ({built.email.subject})")
        if args.send:
            delivery = deliver(period, built)
            what = "sent" if delivery.sent_now else "already sent earlier"
            print(f"{what} via {delivery.result.transport}: {delivery.result.message_id}")
        if not args.out and not args.send:
            print(built.email.text)
    finally:
        built.reader.close()
    return 0
