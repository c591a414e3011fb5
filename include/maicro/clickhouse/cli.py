"""`maicro clickhouse up|down|status|migrate|users-sql`."""

from __future__ import annotations

import argparse

from maicro.clickhouse import embedded, migrations, status, users
from maicro.clickhouse.endpoints import SERVERS, external_url


def register(subparsers) -> None:
    parser = subparsers.add_parser("clickhouse", help="the local and cloud ClickHouse servers")
    commands = parser.add_subparsers(dest="clickhouse_command", required=True)
    for name, func, text in (
        ("up", _up, "start the embedded servers (idempotent) and apply migrations"),
        ("down", _down, "stop the embedded servers"),
        ("status", _status, "one line per server: name, local/cloud, URL, health, databases"),
        ("migrate", _migrate, "apply pending schema migrations to both servers"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument(
            "--server",
            choices=SERVERS,
            action="append",
            help="only this server (repeatable; default both)",
        )
        sub.set_defaults(func=func)
    sql = commands.add_parser("users-sql", help="print CREATE USER/GRANT SQL for a real server")
    sql.add_argument("--server", choices=SERVERS, required=True)
    sql.set_defaults(func=lambda args: print(users.render_users_sql(args.server), end="") or 0)
    apply = commands.add_parser(
        "users-apply", help="create the service users on a real server as maicro_admin"
    )
    apply.add_argument("--server", choices=SERVERS, required=True)
    apply.set_defaults(func=run_users_apply)


def run_users_apply(args: argparse.Namespace) -> int:
    users.apply_users(args.server)
    return 0


def _servers(args: argparse.Namespace) -> list[str]:
    return args.server or list(SERVERS)


def _up(args: argparse.Namespace) -> int:
    for name in _servers(args):
        if external_url(name):
            print(f"{name}: external ({external_url(name)}): nothing to start")
        else:
            embedded.up(name)
    return _migrate(args)


def _down(args: argparse.Namespace) -> int:
    for name in _servers(args):
        if not external_url(name):
            embedded.down(name)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    for name in _servers(args):
        migrations.migrate(name)
    return 0


def _status(args: argparse.Namespace) -> int:
    results = [status.server_status(name) for name in _servers(args)]
    for result in results:
        print(result.line())
    return 0 if all(r.healthy for r in results) else 1
