"""`maicro replicate [--repair]` and `maicro verify`: the replication steps without Airflow."""

from __future__ import annotations

import argparse

from maicro.errors import MaicroError
from maicro.replication.repair import repair
from maicro.replication.reports import RunReport
from maicro.replication.run import replicate, verify


def _scope(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        action="append",
        default=None,
        metavar="DB",
        help="replicate only this database (repeatable); default "
        "MAICRO_REPLICATION_DATABASES or the four raw databases",
    )
    parser.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="DB.TABLE",
        help="only this table (repeatable)",
    )


def register(subparsers) -> None:
    replicate = subparsers.add_parser(
        "replicate", help="send what changed locally to the cloud ClickHouse (incremental)"
    )
    _scope(replicate)
    replicate.add_argument(
        "--repair",
        action="store_true",
        help="verify, then re-send every partition that differs, then verify again",
    )
    replicate.set_defaults(func=run_replicate)
    verify = subparsers.add_parser(
        "verify", help="compare local and cloud per table and day; exit 1 on any mismatch"
    )
    _scope(verify)
    verify.add_argument(
        "--full",
        action="store_true",
        help="hash every partition again instead of reusing the checksums of "
        "partitions unchanged since their last verification",
    )
    verify.set_defaults(func=run_verify)


def _databases(args) -> list[str] | None:
    if args.table:
        bad = [t for t in args.table if t.count(".") != 1]
        if bad:
            raise MaicroError(f"--table wants DB.TABLE, got {', '.join(bad)}")
    databases = args.database
    if databases is None and args.table:
        databases = sorted({t.split(".")[0] for t in args.table})
    return databases


def run_replicate(args) -> int:
    if args.repair:
        report = repair(_databases(args), args.table)
        if report.after is None:
            return 0
        if report.run and report.run.failed:
            raise MaicroError(_failures(report.run))
        left = report.after.mismatched
        if left:
            raise MaicroError("repair left mismatches in " + ", ".join(r.qualified for r in left))
        print(f"repair: {len(report.before.mismatched)} table(s) repaired, cloud matches local")
        return 0
    run = replicate(_databases(args), args.table)
    print(
        f"replicate: run {run.run_id} to {run.target_label} {run.target_url}: "
        f"{run.rows_sent} rows in {len(run.results)} tables, {len(run.failed)} failed"
    )
    if run.failed:
        raise MaicroError(_failures(run))
    return 0


def _failures(run: RunReport) -> str:
    return f"replication failed for {len(run.failed)} table(s): " + "; ".join(
        r.error for r in run.failed
    )


def run_verify(args) -> int:
    report = verify(_databases(args), args.table, full=args.full)
    slices = sum(r.slices_checked for r in report.results)
    pending = sum(len(r.pending) for r in report.results)
    print(
        f"verify: {len(report.results)} tables, {slices} slices against {report.target_label} "
        f"{report.target_url}: {len(report.mismatched)} table(s) differ"
        + (f", {pending} slice(s) pending the next sync" if pending else "")
    )
    if report.mismatched:
        raise MaicroError(
            "cloud differs from local in "
            + ", ".join(
                f"{r.qualified} ({len(r.mismatches)} slices)" if r.status == "mismatch" else r.error
                for r in report.mismatched
            )
            + "; run `maicro replicate --repair`"
        )
    return 0
