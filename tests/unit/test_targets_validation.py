"""Target files are checked row by row; every kind of bad row is named."""

from __future__ import annotations

import pandas as pd
import pytest
from maicro.ingest import targets

KNOWN = {"momentum_a", "carry_b"}


def frame(rows):
    return pd.DataFrame(rows, columns=["strategy", "ts", "coin", "target_weight"]).astype(str)


def test_good_rows_parse_times_and_weights():
    rows, problems = targets.check(
        frame(
            [
                ("momentum_a", "2025-05-01T00:00:00Z", "BTC", "0.5"),
                ("momentum_a", "1746057600000", "ETH", "-0.25"),
                ("carry_b", "2025-05-01 04:00:00", "xyz:XYZ100", "0"),
            ]
        ),
        strategies=KNOWN,
        limit=10,
    )
    assert problems == []
    assert rows == [
        ("momentum_a", 1_746_057_600_000, "BTC", 0.5),
        ("momentum_a", 1_746_057_600_000, "ETH", -0.25),
        ("carry_b", 1_746_072_000_000, "xyz:XYZ100", 0.0),
    ]


@pytest.mark.parametrize(
    "bad, words",
    [
        (("momentum_a", "2025-05-01", "BTC", "0.1"), "duplicate coin BTC"),
        (("momentum_a", "2025-05-01", "SOL", "abc"), "non-numeric target_weight"),
        (("momentum_a", "2025-05-01", "SOL", "250"), "absurd target_weight"),
        (("momentum_a", "2025-05-01", "SOL", "inf"), "non-finite"),
        (("ghost", "2025-05-01", "SOL", "0.1"), "unknown strategy 'ghost'"),
        (("momentum_a", "someday", "SOL", "0.1"), "unreadable ts"),
        (("momentum_a", "2025-05-01", "", "0.1"), "empty coin"),
    ],
)
def test_each_bad_row_is_named(bad, words):
    rows, problems = targets.check(
        frame([("momentum_a", "2025-05-01", "BTC", "0.5"), bad]), strategies=KNOWN, limit=10
    )
    assert len(rows) == 1 and len(problems) == 1
    assert problems[0].index == 1 and words in problems[0].reason
    assert "row 2 (line 3)" in problems[0].describe("f.csv")


def test_missing_columns_are_named():
    with pytest.raises(targets.MaicroError, match="missing column.*target_weight"):
        targets.check(
            pd.DataFrame({"strategy": ["a"], "ts": ["x"], "coin": ["BTC"]}), strategies=KNOWN
        )
