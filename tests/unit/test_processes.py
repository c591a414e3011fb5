"""The process-table questions the stack asks (maicro.processes), on real child processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from maicro import processes


def test_a_group_lists_its_members_and_a_zombie_counts_as_gone():
    # A leader in its own session with a child of its own: both are in the group.
    leader = subprocess.Popen(["sh", "-c", "sleep 60 & wait"], start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while len(processes.group_members(leader.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        members = processes.group_members(leader.pid)
        assert leader.pid in members and len(members) == 2
        assert os.getpid() not in members
        assert processes.pid_alive(leader.pid)

        os.killpg(leader.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while processes.group_members(leader.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Not reaped yet: the leader is a zombie, which is not alive and not a member.
        assert processes.group_members(leader.pid) == []
        assert not processes.pid_alive(leader.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()
    assert not processes.pid_alive(leader.pid)


# Run in its own interpreter: being a subreaper is a process-wide setting pytest must not get.
_ADOPT_AND_REAP = r"""
import subprocess, sys, time
import psutil
from maicro import processes
assert processes.become_subreaper()
# A starter that leaves a process in its own session behind and exits, as `maicro clickhouse up`.
starter = "import subprocess; print(subprocess.Popen(['sleep', '3'], start_new_session=True).pid)"
orphan = int(subprocess.run([sys.executable, "-c", starter], capture_output=True, text=True).stdout)
adopted = psutil.Process(orphan).ppid() == psutil.Process().pid
reaped = processes.reap_children()  # still running: left alone
deadline = time.monotonic() + 30
while not reaped and time.monotonic() < deadline:
    time.sleep(0.2)
    reaped = processes.reap_children()
print(adopted, reaped == [orphan], psutil.pid_exists(orphan))
"""


def test_a_subreaper_adopts_orphans_and_leaves_no_zombie():
    result = subprocess.run(
        [sys.executable, "-c", _ADOPT_AND_REAP], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True", "False"], result.stderr
