"""Is a process alive, which processes are in a group: the process-table questions, via psutil.

Used by the embedded ClickHouse servers and the demo's background services. A zombie (exited,
not yet reaped by its parent) counts as gone: it holds no port and does no work.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time

import psutil


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # someone else's process: it exists
        return True


def group_members(pgid: int) -> list[int]:
    """Pids of the running (non-zombie) processes of process group `pgid`."""
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(process.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):  # exited while we looked
            continue
    return members


# prctl option from <linux/prctl.h>.
_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make every orphaned descendant a child of this process (Linux), so this process reaps it.

    The demo's embedded servers outlive the `maicro clickhouse up` that started them, and Airflow's
    grandchildren can outlive their parents: orphans go to the nearest subreaper, else to PID 1,
    which in a container may never reap them, leaving zombies behind after a clean stop. True if
    the kernel accepted it.
    """
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def reap_children(timeout_s: float = 10.0) -> list[int]:
    """Collect every child that has exited or is exiting; their pids. Running children are left.

    A multi-threaded child (an embedded ClickHouse server) already shows as a zombie while its
    last threads wind down, and only then can it be collected: such a child is waited for (up to
    `timeout_s`), so none is left to PID 1 when this process exits right after.
    """
    reaped: list[int] = []
    deadline = time.monotonic() + timeout_s
    for child in psutil.Process().children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                continue
            while time.monotonic() < deadline:
                if os.waitpid(child.pid, os.WNOHANG)[0]:
                    reaped.append(child.pid)
                    break
                time.sleep(0.05)
        except (psutil.NoSuchProcess, ChildProcessError):  # gone, or collected elsewhere
            continue
    return reaped
