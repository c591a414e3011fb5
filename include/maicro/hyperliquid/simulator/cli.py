"""`maicro simulate`: run the simulated exchange on a loopback port until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from maicro.errors import MaicroError

from .config import SimConfig
from .decimals import ms_to_iso


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="run the built-in Hyperliquid simulator (POST /info) until Ctrl-C",
        description="Serve a simulated fund over Hyperliquid's /info protocol on a loopback port.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8899, help="0 = any free port (default 8899)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--accounts", type=int, default=2, help="number of simulated accounts")
    p.add_argument("--days", type=float, default=7.0, help="days of history before today")
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="clock speed: 0 frozen, 1 real time, 1440 = a day per minute",
    )
    p.add_argument("--fills-per-day", type=float, default=150.0)
    p.add_argument(
        "--rebalance-hours",
        type=float,
        default=4.0,
        help="strategy decision cadence (must divide 24 h); its orders fill in the first half",
    )
    p.add_argument("--liquidations", action="store_true", help="occasionally liquidate a position")
    p.add_argument("--no-rate-limit", action="store_true", help="do not answer 429")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .server import serve_forever, start_simulator

    try:
        config = SimConfig(
            seed=args.seed,
            n_accounts=args.accounts,
            days=args.days,
            speed=args.speed,
            fills_per_day=args.fills_per_day,
            rebalance_hours=args.rebalance_hours,
            liquidations=args.liquidations,
            rate_limit=not args.no_rate_limit,
        ).resolved()
    except ValueError as exc:
        raise MaicroError(f"simulate: {exc}") from None
    try:
        handle = start_simulator(config, host=args.host, port=args.port)
    except OSError as exc:
        raise MaicroError(
            f"simulate: cannot listen on {args.host}:{args.port}: {exc.strerror}"
        ) from None
    accounts = ",".join(f"{a}={s}" for a, s in handle.sim.accounts)
    print(f"Hyperliquid simulator listening on {handle.url} (POST {handle.url}/info)")
    print(
        f"history from {ms_to_iso(handle.sim.origin)}, now {ms_to_iso(handle.sim.now_ms())}, "
        f"speed {config.speed:g}"
    )
    print("export these to point the pipeline at it:")
    print(f"export HYPERLIQUID_API_URL={handle.url}")
    print(f"export MAICRO_ACCOUNTS={accounts}")
    print("Ctrl-C to stop.", flush=True)
    sys.stdout.flush()
    serve_forever(handle)
    return 0
