"""`make demo` as a newcomer runs it: the pipeline comes up healthy with data, Ctrl-C leaves no process."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from maicro import processes

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}; demo output:\n{log.read_text()[-6000:]}")


def _live_members(pgid: int) -> list[int]:
    """Processes of a group that are still running (zombies awaiting their reaper do not count)."""
    live = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().split(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            live.append(int(entry))
    return live


def _query(env: dict, sql: str) -> str:
    state = json.loads((Path(env["MAICRO_STATE_DIR"]) / "clickhouse/cloud/server.json").read_text())
    request = urllib.request.Request(
        f"http://127.0.0.1:{state['http_port']}/?query=" + urllib.parse.quote(sql),
        headers={
            "X-ClickHouse-User": "maicro_reader",
            "X-ClickHouse-Key": env["MAICRO_READER_PASSWORD"],
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode().strip()


def test_make_demo_runs_the_pipeline_and_ctrl_c_stops_everything(tmp_path, monkeypatch):
    env = {
        **os.environ,
        "MAICRO_STATE_DIR": str(tmp_path / "state"),
        "MAICRO_AIRFLOW_PORT": str(_free_port()),
        "MAICRO_SIMULATOR_PORT": str(_free_port()),
    }
    for name in ("HYPERLIQUID_API_URL", "MAICRO_ACCOUNTS", "MAICRO_TARGETS_URL"):
        env.pop(name, None)
    for name in ("LOCAL", "CLOUD"):
        env[f"MAICRO_{name}_HTTP_PORT"] = env[f"MAICRO_{name}_TCP_PORT"] = "0"
    from maicro import settings

    for role in (r.upper() for r in settings.ROLES):
        env[f"MAICRO_{role}_PASSWORD"] = secrets.token_urlsafe(10)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    log = tmp_path / "demo.log"
    with open(log, "w") as out:
        demo = subprocess.Popen(
            ["make", "-s", "demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pids, groups = [], []
    try:
        _wait_for(
            lambda: "Press Ctrl-C to stop" in log.read_text() or demo.poll() is not None,
            900,
            "the demo to be up",
            log,
        )
        assert demo.poll() is None, f"demo exited early:\n{log.read_text()[-6000:]}"
        status = subprocess.run(
            [str(ROOT / ".venv/bin/maicro"), "clickhouse", "status"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode == 0, status.stdout + status.stderr
        assert status.stdout.count("healthy") == 2 and status.stdout.count("schema ok") == 2
        port = env["MAICRO_AIRFLOW_PORT"]
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=10
        ) as r:
            health = json.loads(r.read())
        assert {k: v["status"] for k, v in health.items()} == {
            "metadatabase": "healthy",
            "scheduler": "healthy",
            "triggerer": "healthy",
            "dag_processor": "healthy",
        }
        # The first backfill went through ingest → replicate → transform: the marts have numbers.
        assert int(_query(env, "SELECT count() FROM analytics.fct_pnl_daily")) > 0
        assert (
            int(_query(env, "SELECT countDistinct(account) FROM analytics.fct_account_daily")) == 2
        )
        pids = [
            json.loads((tmp_path / "state/clickhouse" / n / "server.json").read_text())["pid"]
            for n in ("local", "cloud")
        ]
        groups = [
            int((tmp_path / "state/services" / f"{n}.pid").read_text())
            for n in ("airflow", "simulator")
        ]
    finally:
        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        demo.wait(timeout=180)
    assert "demo: stopping" in log.read_text()
    for pid in pids:
        assert not processes.pid_alive(pid), f"server pid {pid} survived Ctrl-C"
    for pgid in groups:  # Airflow standalone's workers and the simulator, by process group
        assert _live_members(pgid) == [], f"process group {pgid} survived Ctrl-C"
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", f"processes left behind: {leftovers.stdout}"
