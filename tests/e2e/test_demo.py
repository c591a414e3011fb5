"""`make demo` as a newcomer runs it: everything comes up healthy, Ctrl-C leaves no process."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

from maicro.clickhouse import embedded

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; demo output:\n{log.read_text()[-4000:]}")


def test_make_demo_runs_and_ctrl_c_stops_everything(tmp_path, monkeypatch):
    env = {**os.environ, "MAICRO_STATE_DIR": str(tmp_path / "state")}
    for name in ("LOCAL", "CLOUD"):
        env[f"MAICRO_{name}_HTTP_PORT"] = env[f"MAICRO_{name}_TCP_PORT"] = "0"
    for role in ("ADMIN", "INGEST", "REPLICATOR", "TRANSFORM", "READER"):
        env[f"MAICRO_{role}_PASSWORD"] = secrets.token_urlsafe(10)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    log = tmp_path / "demo.log"
    with open(log, "w") as out:
        demo = subprocess.Popen(["make", "-s", "demo"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(lambda: "Press Ctrl-C to stop" in log.read_text(), 180, "the demo to be up", log)
        status = subprocess.run([str(ROOT / ".venv/bin/maicro"), "clickhouse", "status"],
                                env=env, capture_output=True, text=True, timeout=60)
        assert status.returncode == 0, status.stdout + status.stderr
        assert status.stdout.count("healthy") == 2 and status.stdout.count("schema ok") == 2
        pids = [json.loads((tmp_path / "state/clickhouse" / n / "server.json").read_text())["pid"]
                for n in ("local", "cloud")]
    finally:
        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        demo.wait(timeout=60)
    assert "demo: stopping" in log.read_text()
    for pid in pids:
        assert not embedded._pid_alive(pid), f"server pid {pid} survived Ctrl-C"
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", f"processes left behind: {leftovers.stdout}"
