"""`maicro simulate` as a user runs it: prints where it listens and what to export, stops on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import requests
from hyperliquid.info import Info

from tests.conftest import ROOT, run_maicro


def test_simulate_serves_until_ctrl_c():
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "maicro"),
            "simulate",
            "--port",
            "0",
            "--days",
            "1",
            "--speed",
            "0",
            "--accounts",
            "3",
            "--seed",
            "9",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        # Ctrl-C reaches it as it reaches a command run in a terminal, even when the tests run
        # as a background job (which starts with SIGINT ignored, and children inherit that)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = []
        while not any(line.startswith("export MAICRO_ACCOUNTS=") for line in lines):
            line = proc.stdout.readline()
            assert line, f"simulate exited early: {proc.stderr.read()}"
            lines.append(line.strip())
        url = next(
            line.split("=", 1)[1]
            for line in lines
            if line.startswith("export HYPERLIQUID_API_URL=")
        )
        accounts = next(
            line.split("=", 1)[1] for line in lines if line.startswith("export MAICRO_ACCOUNTS=")
        ).split(",")
        assert len(accounts) == 3 and all(a.startswith("0x") and "=" in a for a in accounts)
        assert requests.get(url + "/health", timeout=5).json()["status"] == "ok"
        address = accounts[0].split("=")[0]
        assert Info(base_url=url, skip_ws=True).user_fills(address)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_simulate_rejects_bad_arguments_in_one_line():
    result = run_maicro("simulate", "--accounts", "0", "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "n_accounts" in result.stderr
