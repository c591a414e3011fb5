"""`maicro health [--json]`: every check as a table (status, value, threshold, age), exit status 1
while any check fails, so that cron or an outside monitor can call it.

It is one monitor run, like the DAG's: it probes the data feed, stores the results and raises or
resolves alerts (which have memory, so calling it often repeats nothing); `--no-alerts` and
`--no-probe` make it read-only apart from the stored results.
"""

from __future__ import annotations

import argparse
import json

from maicro.errors import MaicroError


def register(subparsers) -> None:
    health = subparsers.add_parser("health", help="run every health check; exit 1 while any fails")
    health.add_argument("--json", action="store_true", help="the checks as JSON")
    health.add_argument("--no-probe", action="store_true", help="skip the data-feed probe")
    health.add_argument("--no-alerts", action="store_true", help="send and record no alerts")
    health.add_argument(
        "--freshness", action="store_true", help="run `dbt source freshness` first (slow)"
    )
    health.set_defaults(func=_health)


def _age(now_ms: int, at_ms: int | None) -> str:
    if at_ms is None:
        return "-"
    seconds = max(0, (now_ms - at_ms) // 1000)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds}s"


def _number(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:,.6g}{(' ' + unit) if unit else ''}"


def render_table(results, now_ms: int) -> str:
    header = ("STATUS", "CHECK", "SUBJECT", "VALUE", "THRESHOLD", "AGE", "MESSAGE")
    rows = [
        (r.status.upper(), r.check_name, r.subject, _number(r.value, r.unit),
         _number(r.threshold, r.unit), _age(now_ms, r.as_of_ms), r.message)
        for r in sorted(results, key=lambda r: (-("ok", "warn", "fail").index(r.status),
                                                 r.check_name, r.subject))
    ]  # fmt: skip
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + str(row[-1])
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def as_json(run) -> str:
    return json.dumps(
        {
            "checked_at_ms": run.now_ms,
            "checks": [
                {
                    "check": r.check_name,
                    "subject": r.subject,
                    "status": r.status,
                    "value": r.value,
                    "threshold": r.threshold,
                    "unit": r.unit,
                    "age_s": None if r.as_of_ms is None else (run.now_ms - r.as_of_ms) / 1000,
                    "message": r.message,
                }
                for r in run.results
            ],
            "alerts": [
                {"key": e.alert_key, "event": e.event, "status": e.status, "channels": e.channels}
                for e in run.events
            ],
        },
        indent=2,
    )


def _health(args: argparse.Namespace) -> int:
    from maicro.health.monitor import run_once

    run = run_once(
        run_probe=not args.no_probe, alert=not args.no_alerts, run_freshness=args.freshness
    )
    print(as_json(run) if args.json else render_table(run.results, run.now_ms))
    if run.failing:
        first = run.failing[0]
        raise MaicroError(
            f"{len(run.failing)} check(s) failing; first: {first.check_name} {first.message}"
        )
    return 0
