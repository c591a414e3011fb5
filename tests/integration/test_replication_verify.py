"""`maicro verify` names every corrupted slice; `maicro replicate --repair` re-sends exactly those."""

from __future__ import annotations

import pytest
from maicro.clickhouse.client import connect
from maicro.replication.run import replicate, verify

from tests.conftest import run_maicro
from tests.integration.replication_helpers import admin, count, rows, seed_fills

FILLS_KEY = "account, coin, time, tid"


def _verification_rows(server: str) -> list[dict]:
    client = connect(server, "admin")
    try:
        return list(
            client.query(
                "SELECT * FROM maicro_monitors.verification_results "
                "ORDER BY verified_at, database, table"
            ).named_results()
        )
    finally:
        client.close()


def test_verify_passes_on_a_fresh_copy_and_counts_every_slice(fresh_clickhouse):
    seed_fills(24 * 40)  # hourly over 40 days: Jan 1 .. Feb 9
    replicate(log=lambda *_: None)
    report = verify(tables=["hyperliquid.fills"], log=lambda *_: None)
    fills = report.results[0]
    assert (fills.status, fills.slices_checked, fills.local_rows, fills.cloud_rows) == (
        "ok",
        40,
        960,
        960,
    )


@pytest.mark.slow  # ~30 s on a busy 2-core machine: two CLI processes, three verifications
def test_corruption_on_the_cloud_is_named_per_day_and_repaired(fresh_clickhouse):
    seed_fills(24 * 40)
    replicate(log=lambda *_: None)
    assert verify(log=lambda *_: None).mismatched == []  # warms the checksum cache
    # Deliberate corruption on the cloud: rows deleted on Jan 3, one value altered on Feb 2.
    admin(
        "cloud", "DELETE FROM hyperliquid.fills WHERE toDate(time) = '2026-01-03' AND tid % 4 = 0"
    )
    admin(
        "cloud",
        "ALTER TABLE hyperliquid.fills UPDATE px = px + 1 WHERE time = '2026-02-02 05:00:00' "
        "SETTINGS mutations_sync = 1",
    )
    before = count("cloud", "hyperliquid.fills")
    assert before == 960 - 6

    result = run_maicro("verify")
    assert result.returncode == 1
    assert "hyperliquid.fills (2 slices)" in result.stderr
    assert (
        "MISMATCH hyperliquid.fills partition 202601 day 2026-01-03: 24 rows locally, 18 on the cloud"
        in result.stdout
    )
    assert (
        "MISMATCH hyperliquid.fills partition 202602 day 2026-02-02: 24 rows on both sides but "
        "different content" in result.stdout
    )
    assert result.stdout.count("MISMATCH") == 2
    recorded = [r for r in _verification_rows("local") if r["table"] == "fills"]
    assert recorded[-1]["status"] == "mismatch" and recorded[-1]["slices_mismatched"] == 2

    repaired = run_maicro("replicate", "--repair", check=True)
    assert "re-sending 2 partition(s) of 1 table(s)" in repaired.stdout
    assert rows("cloud", "hyperliquid.fills", FILLS_KEY) == rows(
        "local", "hyperliquid.fills", FILLS_KEY
    )
    assert count("cloud", "hyperliquid.fills") == 960
    assert verify(log=lambda *_: None).mismatched == []
    # The verifications went to the cloud's maicro_monitors as well (health tab).
    on_cloud = [r for r in _verification_rows("cloud") if r["table"] == "fills"]
    assert [r["status"] for r in on_cloud][-2:] == ["mismatch", "ok"] or "mismatch" in [
        r["status"] for r in on_cloud
    ]


def test_repair_with_nothing_wrong_sends_nothing(fresh_clickhouse):
    seed_fills(100)
    replicate(log=lambda *_: None)
    result = run_maicro("replicate", "--repair", "--database", "hyperliquid", check=True)
    assert "nothing to re-send" in result.stdout


@pytest.mark.parametrize(
    "args, reason",
    [
        (["replicate", "--table", "fills"], "--table wants DB.TABLE, got fills"),
        (
            ["verify", "--table", "hyperliquid.nope"],
            "no such table on the local server: hyperliquid.nope",
        ),
        (["replicate", "--database", "maicro_meta"], "database 'maicro_meta' is never replicated"),
    ],
)
def test_bad_arguments_are_named(fresh_clickhouse, capsys, args, reason):
    from maicro.cli import main  # the console script's entry point, in-process (fast)

    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("maicro: ") and reason in err and len(err.strip().splitlines()) == 1


def test_local_changes_not_yet_synced_are_pending_not_mismatches(fresh_clickhouse):
    seed_fills(24 * 40)
    replicate(log=lambda *_: None)
    seed_fills(5, start="2026-01-10 00:10:00", tid0=50_000)  # new local rows, not synced yet
    report = verify(tables=["hyperliquid.fills"], log=lambda *_: None)
    fills = report.results[0]
    assert fills.status == "ok" and fills.mismatches == []
    assert [(m.partition_id, m.day, m.local_rows, m.cloud_rows) for m in fills.pending] == [
        ("202601", "2026-01-10", 29, 24)
    ]
    replicate(tables=["hyperliquid.fills"], log=lambda *_: None)
    assert verify(tables=["hyperliquid.fills"], log=lambda *_: None).results[0].pending == []


def test_routine_verification_rehashes_only_changed_partitions(fresh_clickhouse):
    seed_fills(24 * 70)  # January, February, a bit of March
    replicate(tables=["hyperliquid.fills"], log=lambda *_: None)
    cold = verify(tables=["hyperliquid.fills"], log=lambda *_: None).results[0]
    seed_fills(3, start="2026-03-05 00:30:00", tid0=70_000)
    replicate(tables=["hyperliquid.fills"], log=lambda *_: None)
    admin("cloud", "SYSTEM STOP MERGES hyperliquid.fills")  # keep cloud part names still below
    try:
        from maicro.replication import verify as verify_module

        hashed: list[list[str] | None] = []
        original = verify_module.slice_checksums

        def spy(client, table, partitions=None):
            hashed.append(partitions)
            return original(client, table, partitions)

        verify_module.slice_checksums = spy
        try:
            warm = verify(tables=["hyperliquid.fills"], log=lambda *_: None).results[0]
            assert (warm.status, warm.local_rows, warm.cloud_rows) == ("ok", 1683, 1683)
            assert warm.slices_checked == cold.slices_checked == 70  # Mar 5 existed already
            assert sorted(map(tuple, hashed)) == [
                ("202603",),
                ("202603",),
            ]  # one partition per side
            hashed.clear()
            full = verify(tables=["hyperliquid.fills"], full=True, log=lambda *_: None).results[0]
            assert full.status == "ok"
            assert sorted(map(tuple, hashed)) == [("202601", "202602", "202603")] * 2
        finally:
            verify_module.slice_checksums = original
    finally:
        admin("cloud", "SYSTEM START MERGES hyperliquid.fills")
