"""`maicro transform` and `maicro docs`: the analytics build without Airflow."""

from __future__ import annotations

import argparse

from maicro.transform import runner
from maicro.transform.dbt_env import TARGETS


def register(subparsers: argparse._SubParsersAction) -> None:
    transform = subparsers.add_parser(
        "transform", help="build the analytics marts (dbt build: models and their tests)"
    )
    transform.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )
    transform.add_argument(
        "--select", nargs="+", metavar="SELECTOR", help="dbt selectors (default: everything)"
    )
    transform.add_argument(
        "--target",
        choices=TARGETS,
        default="cloud",
        help="which ClickHouse to build on (default: cloud)",
    )
    transform.add_argument(
        "--no-tests",
        action="store_true",
        help="build the models only (e.g. during a backfill); tests run by default",
    )
    transform.add_argument(
        "--vars",
        type=_vars,
        metavar="YAML",
        help="dbt project variables, e.g. '{late_arrival_lookback_hours: 24}' "
        "(see dbt_project.yml)",
    )
    transform.set_defaults(func=_transform)

    docs = subparsers.add_parser("docs", help="generate and serve the dbt docs site")
    docs.add_argument("--no-serve", action="store_true", help="only generate target/index.html")
    docs.add_argument("--port", type=int, default=8081, help="port to serve on (default 8081)")
    docs.add_argument("--target", choices=TARGETS, default="cloud")
    docs.set_defaults(func=_docs)


def _vars(text: str) -> dict:
    """`--vars` as dbt takes it (a YAML or JSON mapping), checked before dbt starts."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise argparse.ArgumentTypeError(f"not YAML: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a mapping like '{{name: value}}', got {text!r}")
    return value


def _transform(args: argparse.Namespace) -> int:
    result = runner.build(
        full_refresh=args.full_refresh,
        select=args.select,
        target=args.target,
        models_only=args.no_tests,
        variables=args.vars,
    )
    summary = [line for line in result.stdout.splitlines() if "Done. PASS=" in line]
    print(summary[-1].split("Done. ", 1)[1] if summary else "dbt build done")
    return 0


def _docs(args: argparse.Namespace) -> int:
    index = runner.generate_docs(target=args.target)
    print(f"docs generated: {index}")
    if args.no_serve:
        return 0
    return runner.serve_docs(port=args.port)
