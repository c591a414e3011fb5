"""Start, stop and inspect the embedded ClickHouse pair (`local` store and `cloud` replica).

Each server has its own directory under the state dir: data/, config.xml, users.xml,
server.json (host, ports, pid, start time), server.log. Ports have fixed documented defaults so
a person can connect, and are overridable (0 = pick a free one, what the tests use).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from maicro import settings
from maicro.clickhouse import users
from maicro.clickhouse.endpoints import SERVERS, external_url
from maicro.errors import MaicroError
from maicro.processes import pid_alive

HOST = "127.0.0.1"
DEFAULT_PORTS = {"local": (18123, 19000), "cloud": (18124, 19001)}
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ServerState:
    name: str
    host: str
    http_port: int
    tcp_port: int
    pid: int
    started_at: float

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"


def server_dir(name: str) -> Path:
    return settings.get().state_dir / "clickhouse" / name


def _state_file(name: str) -> Path:
    return server_dir(name) / "server.json"


def read_state(name: str) -> ServerState | None:
    path = _state_file(name)
    if not path.exists():
        return None
    return ServerState(**json.loads(path.read_text()))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _port(name: str, kind: str) -> int:
    # Only the pair has configured ports; any other embedded server (tests) takes free ones.
    configured = settings.get().embedded_port(name, kind) if name in settings.SERVERS else 0
    return configured or _free_port()


def ping(http_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{http_url}/ping", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def is_running(name: str) -> bool:
    state = read_state(name)
    return bool(state and pid_alive(state.pid) and ping(state.http_url))


def _config_xml(directory: Path, http_port: int, tcp_port: int) -> str:
    return f"""<clickhouse>
  <listen_host>{HOST}</listen_host>
  <http_port>{http_port}</http_port>
  <tcp_port>{tcp_port}</tcp_port>
  <logger><level>warning</level><console>1</console></logger>
  <user_directories><users_xml><path>{directory / "users.xml"}</path></users_xml></user_directories>
</clickhouse>
"""


def up(name: str, *, grants_of: str | None = None, log=print) -> ServerState:
    """Start server `name` unless it already runs; idempotent. Returns its state.

    `name` is `local` or `cloud`; another name (e.g. a test's secondary cloud) needs `grants_of`,
    the server whose users and grants it gets, and has OS-assigned ports unless
    MAICRO_<NAME>_HTTP_PORT/_TCP_PORT say otherwise.
    """
    grants_of = grants_of or name
    if grants_of not in SERVERS:
        raise MaicroError(f"unknown server {name!r}; expected local or cloud")
    if name in SERVERS and external_url(name):
        raise MaicroError(
            f"MAICRO_{name.upper()}_CLICKHOUSE_URL is set: the {name} server is external, "
            "nothing embedded to start"
        )
    state = read_state(name)
    if state and pid_alive(state.pid):
        if ping(state.http_url):
            log(f"{name}: already running at {state.http_url} (pid {state.pid})")
            return state
        _wait_healthy(name, state)
        return state
    directory = server_dir(name)
    (directory / "data").mkdir(parents=True, exist_ok=True)
    http_port, tcp_port = _port(name, "http"), _port(name, "tcp")
    for port in (http_port, tcp_port):
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                raise MaicroError(
                    f"{name}: port {port} on {HOST} is already in use by another process; set "
                    f"MAICRO_{name.upper()}_HTTP_PORT / MAICRO_{name.upper()}_TCP_PORT"
                )
    (directory / "users.xml").write_text(users.render_users_xml(grants_of))
    (directory / "users.xml").chmod(0o600)
    (directory / "config.xml").write_text(_config_xml(directory, http_port, tcp_port))
    log_file = open(directory / "server.log", "ab")  # noqa: SIM115 - handed to the child, closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "maicro.clickhouse.embedded_server", str(directory)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # survives the CLI that started it; stopped by `down`
        cwd=directory,
    )
    log_file.close()
    state = ServerState(name, HOST, http_port, tcp_port, process.pid, time.time())
    _state_file(name).write_text(json.dumps(state.__dict__))
    _wait_healthy(name, state, process)
    log(f"{name}: started at {state.http_url} (native port {tcp_port}, pid {process.pid})")
    return state


def _wait_healthy(name: str, state: ServerState, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if ping(state.http_url, timeout=1.0):
            return
        if process is not None and process.poll() is not None:
            break
        if process is None and not pid_alive(state.pid):
            break
        time.sleep(0.1)
    tail = (server_dir(name) / "server.log").read_text(errors="replace")[-800:]
    _state_file(name).unlink(missing_ok=True)
    raise MaicroError(f"{name}: ClickHouse did not become healthy; last log lines:\n{tail}")


def down(name: str, *, log=print, timeout: float = 15.0) -> bool:
    """Stop server `name` and wait until its process is gone. True if something was stopped."""
    state = read_state(name)
    if state is None or not pid_alive(state.pid):
        _state_file(name).unlink(missing_ok=True)
        log(f"{name}: not running")
        return False
    os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(state.pid) and time.monotonic() < deadline:
        _reap(state.pid)
        time.sleep(0.05)
    if pid_alive(state.pid):
        os.kill(state.pid, signal.SIGKILL)
        while pid_alive(state.pid):
            _reap(state.pid)
            time.sleep(0.05)
    _state_file(name).unlink(missing_ok=True)
    log(f"{name}: stopped (pid {state.pid})")
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
