"""`maicro replicate --repair`: re-send exactly the partitions verification found different.

Verification works per (partition, day); the smallest unit the cloud can swap atomically is a
partition, so every partition holding a mismatched day is re-sent whole (REPLACE PARTITION, see
sync) even though its local signature did not change, and the tables are verified again.
"""

from __future__ import annotations

from collections.abc import Sequence

from maicro.replication.reports import RepairReport
from maicro.replication.run import Log, replicate, verify


def repair(
    databases: Sequence[str] | None = None, tables: Sequence[str] = (), *, log: Log = print
) -> RepairReport:
    before = verify(databases, tables, log=log)
    force: dict[str, set[str]] = {}
    behind: set[str] = set()
    for result in before.results:
        if result.status == "mismatch":
            force[result.qualified] = {m.partition_id for m in result.mismatches}
        if result.pending:
            behind.add(result.qualified)
    if not force and not behind:
        log("repair: local and cloud agree, nothing to re-send")
        return RepairReport(before, None, None)
    log(
        f"repair: re-sending {sum(map(len, force.values()))} partition(s) of {len(force)} table(s)"
        + (f", syncing {len(behind)} table(s) that are behind" if behind else "")
    )
    tables_ = sorted(set(force) | behind)
    run = replicate(databases, tables_, force=force, mode="repair", log=log)
    after = verify(databases, tables_, log=log)
    return RepairReport(before, run, after)
