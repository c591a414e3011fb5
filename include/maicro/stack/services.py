"""Long-running background processes of `make demo` (simulator, Airflow standalone): start, find, stop.

Each service runs in its own session (process group) with its output in `<state>/services/<name>.log`
and its pid in `<name>.pid`, so `make stop` from another shell finds and stops exactly what the
demo started, and nothing is left behind: Airflow standalone must get SIGINT on its whole group
(SIGTERM to the parent orphans its LocalExecutor workers, docs/architecture.md), then the parent is reaped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from maicro import settings
from maicro.errors import MaicroError
from maicro.processes import group_members, pid_alive


def service_dir() -> Path:
    path = settings.get().state_dir / "services"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_path(name: str) -> Path:
    return service_dir() / f"{name}.log"


def _pid_file(name: str) -> Path:
    return service_dir() / f"{name}.pid"


def running_pid(name: str) -> int | None:
    path = _pid_file(name)
    if not path.exists():
        return None
    pid = int(path.read_text().strip() or 0)
    return pid if pid and pid_alive(pid) else None


def start(name: str, argv: list[str], env: dict[str, str] | None = None) -> int:
    """Start `argv` detached in its own process group; refuse if the service already runs."""
    pid = running_pid(name)
    if pid:
        raise MaicroError(f"{name} is already running (pid {pid}); run `make stop` first")
    with open(log_path(name), "ab") as log:
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            cwd=settings.project_root(),
        )
    _pid_file(name).write_text(str(proc.pid))
    return proc.pid


def wait_until(check: Callable[[], bool], timeout_s: float, what: str, name: str) -> None:
    """Poll `check` until true; fail naming the service and the tail of its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        if not running_pid(name):
            break
        time.sleep(0.5)
    tail = log_path(name).read_text(errors="replace")[-2000:] if log_path(name).exists() else ""
    raise MaicroError(f"{name}: {what} did not happen within {timeout_s:.0f} s; log tail:\n{tail}")


def stop(name: str, grace_s: float = 30.0, log: Callable[[str], None] = print) -> bool:
    """Stop a service's whole process group; True if something was running.

    SIGINT to the group first (what Ctrl-C does, and what Airflow standalone needs), until every
    member but the leader has exited; then SIGTERM (the standalone parent does not exit on its
    own after its children), then SIGKILL for anything still there.
    """
    path = _pid_file(name)
    if not path.exists():
        return False
    pgid = int(path.read_text().strip() or 0)
    was_running = bool(pgid) and bool(group_members(pgid))
    if was_running:
        log(f"{name}: stopping (pid {pgid})")
        started = time.monotonic()

        def after_sigint() -> list[int]:
            # The children must go; the leader gets a few seconds to exit by itself.
            alive = group_members(pgid)
            children = [p for p in alive if p != pgid]
            return children or (alive if time.monotonic() - started < 5 else [])

        phases = (
            (signal.SIGINT, grace_s, after_sigint),
            (signal.SIGTERM, 10.0, lambda: group_members(pgid)),
            (signal.SIGKILL, 5.0, lambda: group_members(pgid)),
        )
        for sig, wait_s, remaining in phases:
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and remaining():
                time.sleep(0.3)
            if not group_members(pgid):
                break
    path.unlink(missing_ok=True)
    _reap(pgid)
    return was_running


def _reap(pid: int) -> None:
    """Collect the exit status of a leader this process started, so that no zombie stays behind
    (`make stop` from another shell is not its parent: nothing to do there)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
