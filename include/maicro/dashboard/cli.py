"""`maicro dashboard [--port N]`: serve the Streamlit app (blocks until Ctrl-C)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from maicro import settings

APP = Path(__file__).resolve().parent / "app.py"


def streamlit_argv(port: int) -> list[str]:
    """The command that serves the app headless on 127.0.0.1:`port` (also used by `make demo`)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "none",
    ]


def register(subparsers) -> None:
    parser = subparsers.add_parser("dashboard", help="serve the Streamlit dashboard")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="port to serve on (default MAICRO_DASHBOARD_PORT, 8501)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    port = args.port or settings.get().maicro_dashboard_port
    print(f"dashboard: http://127.0.0.1:{port}", flush=True)
    try:
        return subprocess.call(streamlit_argv(port), cwd=settings.project_root())
    except KeyboardInterrupt:
        return 0
