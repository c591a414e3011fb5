"""Replication's static knowledge stays in step with the migrations; secrets never leak."""

from __future__ import annotations

from maicro.catalog import RAW_DATABASES
from maicro.clickhouse.migrations import available
from maicro.replication.discovery import Column, Table, project_tables
from maicro.replication.target import first_line, scrub


def test_project_tables_are_exactly_the_migrated_raw_tables():
    created = {
        line.split("IF NOT EXISTS", 1)[1].split()[0]
        for m in available()
        for line in m.sql.splitlines()
        if line.startswith("CREATE TABLE IF NOT EXISTS")
    }
    assert set(project_tables()) == {t for t in created if t.split(".")[0] in RAW_DATABASES}


def _table(partition_key: str, sorting_key: str, columns: list[tuple[str, str]]) -> Table:
    return Table(
        "db",
        "t",
        "MergeTree",
        "",
        partition_key,
        sorting_key,
        tuple(Column(n, t, "", "") for n, t in columns),
    )


def test_day_column_prefers_partition_key_then_sorting_key():
    cols = [("created", "DateTime"), ("ts", "DateTime64(3, 'UTC')"), ("x", "UInt8")]
    assert _table("toYYYYMM(ts)", "created", cols).day_column().name == "ts"
    assert _table("", "(x, created)", cols).day_column().name == "created"
    assert _table("x", "x", cols).day_column().name == "created"
    assert _table("x", "x", [("x", "UInt8")]).day_column() is None
    # `ts` must not match inside another name
    assert (
        _table("toDate(ts_local)", "x", [("ts_local", "Date"), ("ts", "Date")]).day_column().name
        == "ts_local"
    )


def test_scrub_hides_the_replicator_password(monkeypatch):
    monkeypatch.setenv("MAICRO_REPLICATOR_PASSWORD", "s3cr'et")
    text = (
        "Code: 516. remote('h:9000', 'db', 't', 'maicro_replicator', 's3cr\\'et') failed; s3cr'et"
    )
    assert "s3cr" not in scrub(text)
    assert "s3cr" not in first_line(RuntimeError(text))
