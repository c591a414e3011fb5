"""`make demo` as a newcomer runs it: the pipeline comes up healthy with data, and Ctrl-C in its
shell or `make stop` from another one ends everything: the demo's shell returns, and no process,
zombie or listening port of the demo is left. One demo start per test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest
from maicro.devtools.demo_env import SERVICES, demo_environment

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}; demo output:\n{log.read_text()[-6000:]}")


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


class Demo:
    """`make -s demo` in its own session (as a terminal would run it), on free ports, in tmp_path."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        self.state = tmp_path / "state"
        self.log = tmp_path / "demo.log"
        env = demo_environment(self.state)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        self.env = env
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                ["make", "-s", "demo"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_up(self) -> None:
        _wait_for(
            lambda: (
                "Press Ctrl-C to stop" in self.log.read_text() or self.process.poll() is not None
            ),
            900,
            "the demo to be up",
            self.log,
        )
        assert self.process.poll() is None, f"demo exited early:\n{self.log.read_text()[-6000:]}"

    def footprint(self) -> tuple[set[int], set[int]]:
        """The sessions of every process the demo runs (its own, each service's, each server's:
        all start their own) and every port they listen on, while it is up."""
        servers = [
            json.loads((self.state / "clickhouse" / n / "server.json").read_text())
            for n in ("local", "cloud")
        ]
        pids = {self.process.pid, *(s["pid"] for s in servers)}
        pids |= {int((self.state / "services" / f"{n}.pid").read_text()) for n in SERVICES}
        pids |= {p.pid for p in psutil.Process(self.process.pid).children(recursive=True)}
        sessions = {os.getsid(pid) for pid in pids if psutil.pid_exists(pid)}
        ports = {int(self.env[f"MAICRO_{service.upper()}_PORT"]) for service in SERVICES}
        ports |= {s[kind] for s in servers for kind in ("http_port", "tcp_port")}
        assert len(sessions) >= 2 + len(SERVICES) + 1, sessions  # the footprint is complete
        return sessions, ports

    def assert_nothing_left(self, sessions: set[int], ports: set[int]) -> None:
        left = []
        for process in psutil.process_iter(["status", "cmdline"]):
            try:
                if os.getsid(process.pid) in sessions:
                    left.append(f"{process.pid} {process.info['status']} {process.info['cmdline']}")
            except (ProcessLookupError, psutil.NoSuchProcess):
                continue
        assert not left, "processes or zombies left behind:\n" + "\n".join(left)
        for port in sorted(ports):
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:  # what a restarted demo does: fails while anything holds the port
                    sock.bind(("127.0.0.1", port))
                except OSError as exc:
                    held = [
                        f"{c.status} {c.laddr} -> {c.raddr or '-'} pid {c.pid}"
                        for c in psutil.net_connections("tcp")
                        if c.laddr and c.laddr.port == port
                    ]
                    raise AssertionError(f"port {port} still taken ({exc}): {held}") from exc


@pytest.fixture
def demo(tmp_path, monkeypatch):
    started = Demo(tmp_path, monkeypatch)
    yield started
    if started.process.poll() is None:  # the test failed before stopping it
        os.killpg(started.process.pid, signal.SIGINT)
        started.process.wait(timeout=180)


def test_make_demo_runs_the_pipeline_and_ctrl_c_stops_everything(demo):
    demo.wait_up()
    env = demo.env
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
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=10) as r:
        health = json.loads(r.read())
    assert {k: v["status"] for k, v in health.items()} == {
        "metadatabase": "healthy",
        "scheduler": "healthy",
        "triggerer": "healthy",
        "dag_processor": "healthy",
    }
    # The first backfill went through ingest → replicate → transform: the marts have numbers.
    assert int(_query(env, "SELECT count() FROM analytics.fct_pnl_daily")) > 0
    assert int(_query(env, "SELECT countDistinct(account) FROM analytics.fct_account_daily")) == 2
    sessions, ports = demo.footprint()

    os.killpg(demo.process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    demo.process.wait(timeout=180)
    assert "demo: stopping" in demo.log.read_text()
    demo.assert_nothing_left(sessions, ports)


def test_make_stop_from_another_shell_returns_the_demo_shell(demo):
    demo.wait_up()
    sessions, ports = demo.footprint()

    stop = subprocess.run(
        ["make", "-s", "stop"], cwd=ROOT, env=demo.env, capture_output=True, text=True, timeout=300
    )
    assert stop.returncode == 0, stop.stdout + stop.stderr
    # The demo's own shell returns by itself, successfully: nothing left to press Ctrl-C for.
    assert demo.process.wait(timeout=60) == 0, demo.log.read_text()[-3000:]
    assert "demo: stopping" in demo.log.read_text()
    demo.assert_nothing_left(sessions, ports)
