"""`maicro targets load FILE`: a good file lands whole; a bad one is refused, naming the row."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import run_maicro

ENV = {"MAICRO_ACCOUNTS": "0x" + "11" * 20 + "=momentum_a," + "0x" + "22" * 20 + "=carry_b"}


def stored(pair):
    client = pair.client("local")
    rows = client.query(
        "SELECT strategy, toUnixTimestamp64Milli(ts), coin, target_weight, source "
        "FROM maicro_logs.target_weights FINAL ORDER BY strategy, ts, coin"
    ).result_rows
    client.close()
    return rows


def write_csv(path, lines):
    path.write_text("strategy,ts,coin,target_weight\n" + "\n".join(lines) + "\n")
    return path


def test_good_csv_and_parquet_load_and_reload_without_duplicates(
    fresh_clickhouse, tmp_path, monkeypatch
):
    from maicro.cli import main

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    csv = write_csv(
        tmp_path / "t.csv",
        [
            "momentum_a,2025-05-01T00:00:00Z,BTC,0.5",
            "momentum_a,2025-05-01T00:00:00Z,ETH,-0.3",
            "carry_b,1746057600000,@107,0.1",
        ],
    )
    result = run_maicro("targets", "load", str(csv), env=ENV)
    assert result.returncode == 0, result.stderr
    assert "3 target weights loaded" in result.stdout
    assert main(["targets", "load", str(csv)]) == 0  # the same file again
    rows = stored(fresh_clickhouse)
    assert [(s, t, c, w) for s, t, c, w, _ in rows] == [
        ("carry_b", 1_746_057_600_000, "@107", 0.1),
        ("momentum_a", 1_746_057_600_000, "BTC", 0.5),
        ("momentum_a", 1_746_057_600_000, "ETH", -0.3),
    ]
    assert {src for *_, src in rows} == {str(csv)}

    parquet = tmp_path / "t.parquet"
    pd.DataFrame(
        {
            "strategy": ["momentum_a"],
            "ts": [pd.Timestamp("2025-05-01T04:00:00Z")],
            "coin": ["SOL"],
            "target_weight": [0.2],
        }
    ).to_parquet(parquet)
    assert main(["targets", "load", str(parquet)]) == 0
    assert ("momentum_a", 1_746_072_000_000, "SOL", 0.2) in [
        r[:4] for r in stored(fresh_clickhouse)
    ]


BAD_LINES = [
    ("momentum_a,2025-05-01T00:00:00Z,BTC,0.2", "row 3 (line 4): duplicate coin BTC"),
    ("momentum_a,2025-05-01T00:00:00Z,SOL,lots", "row 3 (line 4): non-numeric target_weight"),
    ("momentum_a,2025-05-01T00:00:00Z,SOL,1e6", "row 3 (line 4): absurd target_weight"),
    ("nobody,2025-05-01T00:00:00Z,SOL,0.1", "row 3 (line 4): unknown strategy 'nobody'"),
]


def bad_file(tmp_path, bad_line):
    return write_csv(
        tmp_path / "bad.csv",
        [
            "momentum_a,2025-05-01T00:00:00Z,BTC,0.5",
            "momentum_a,2025-05-01T00:00:00Z,ETH,-0.3",
            bad_line,
            "carry_b,2025-05-02,BTC,0.1",
        ],
    )


def test_bad_file_is_refused_whole_by_the_command(fresh_clickhouse, tmp_path):
    result = run_maicro("targets", "load", str(bad_file(tmp_path, BAD_LINES[0][0])), env=ENV)
    assert result.returncode == 1
    assert BAD_LINES[0][1] in result.stderr and "nothing was loaded" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert stored(fresh_clickhouse) == []


@pytest.mark.parametrize("bad_line, words", BAD_LINES)
def test_every_kind_of_bad_row_refuses_the_file(
    fresh_clickhouse, tmp_path, monkeypatch, capsys, bad_line, words
):
    """The same command in-process (`maicro.cli.main`), to keep the suite fast."""
    from maicro.cli import main

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    assert main(["targets", "load", str(bad_file(tmp_path, bad_line))]) == 1
    err = capsys.readouterr().err
    assert words in err and "nothing was loaded" in err
    assert stored(fresh_clickhouse) == []


def test_missing_file_and_missing_columns(fresh_clickhouse, tmp_path, monkeypatch, capsys):
    from maicro.cli import main

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    assert main(["targets", "load", str(tmp_path / "nope.csv")]) == 1
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "cols.csv").write_text("strategy,coin,weight\nmomentum_a,BTC,1\n")
    assert main(["targets", "load", str(tmp_path / "cols.csv")]) == 1
    assert "missing column(s) ts, target_weight" in capsys.readouterr().err
