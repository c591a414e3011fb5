"""Is a process alive, which processes are in a group: the process-table questions, via psutil.

Used by the embedded ClickHouse servers and the demo's background services. A zombie (exited,
not yet reaped by its parent) counts as gone: it holds no port and does no work.
"""

from __future__ import annotations

import os

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
