"""The `maicro` command: every pipeline step callable without Airflow (docs/architecture.md).

Each area registers its own subcommands (`register(subparsers)`); this module only assembles
them and turns a MaicroError into a one-line reason and exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from maicro.errors import MaicroError

COMMAND_MODULES = (
    "maicro.clickhouse.cli",
    "maicro.hyperliquid.simulator.cli",
    "maicro.replication.cli",
    "maicro.stack.demo",
    "maicro.ingest.cli",
    "maicro.transform.cli",
    "maicro.reports.cli",
    "maicro.health.cli",
    "maicro.dashboard.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maicro", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MaicroError as exc:
        print(f"maicro: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
