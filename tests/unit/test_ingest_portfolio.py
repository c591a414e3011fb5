"""The portfolio parser: one row per (window, point) with the PnL of the same time, and a
malformed answer rejected with a reason a person can act on."""

from __future__ import annotations

import pytest
from maicro.ingest import portfolio
from maicro.ingest import records as r

ACCOUNT = "0x" + "ab" * 20
T = 1_746_000_000_000


def window(name, values, pnls=None):
    history = [[T + i * 60_000, v] for i, v in enumerate(values)]
    pnl = [[t, p] for (t, _), p in zip(history, pnls or [])]
    return [name, {"accountValueHistory": history, "pnlHistory": pnl, "vlm": "0.0"}]


def rows(answer):
    return [portfolio.parse(rec, ACCOUNT) for rec in portfolio.points(answer)]


def parse_all(answer) -> r.Parsed:
    """As the ingest step does: good points become rows, bad ones quarantine records."""
    return r.parse_all(
        portfolio.points(answer),
        portfolio.parse,
        data_type="portfolio",
        account=ACCOUNT,
        source="test",
    )


def test_every_point_of_every_window_becomes_a_row_with_its_pnl():
    answer = [
        window("day", ["1000.5", "1001.25"], ["0.0", "0.75"]),
        window("perpDay", ["990.0"], ["-1.5"]),
    ]
    assert rows(answer) == [
        (ACCOUNT, "day", T, 1000.5, 0.0),
        (ACCOUNT, "day", T + 60_000, 1001.25, 0.75),
        (ACCOUNT, "perpDay", T, 990.0, -1.5),
    ]
    assert dict(zip(portfolio.COLUMNS, rows(answer)[0]))["point_at"] == T


def test_a_point_without_pnl_keeps_its_account_value():
    assert rows([window("allTime", ["5.0"])]) == [(ACCOUNT, "allTime", T, 5.0, None)]


def test_an_empty_window_gives_no_rows():
    assert rows([window("week", [])]) == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ([["day", {"accountValueHistory": [[T, "abc"]]}]], "non-numeric accountValue"),
        ([["day", {"accountValueHistory": [[-5, "1.0"]]}]], "negative time"),
        (
            [["day", {"accountValueHistory": [[T]]}]],
            "accountValueHistory has a point that is not [time ms, value]",
        ),
        ([["day", {"pnlHistory": []}]], "accountValueHistory is not a list"),
        ([{"day": {}}], "not [window name"),
    ],
)
def test_malformed_parts_are_rejected_with_a_reason(answer, reason):
    with pytest.raises(r.BadRecord, match=reason.replace("[", r"\[")):
        rows(answer)


def test_a_bad_pnl_history_is_rejected_and_the_values_still_land():
    answer = [
        ["day", {"accountValueHistory": [[T, "1.0"]], "pnlHistory": [[T, "0.5"], [T + 1]]}],
        ["week", {"accountValueHistory": [[T, "2.0"]], "pnlHistory": "0.5"}],
    ]
    parsed = parse_all(answer)
    assert parsed.rows == [(ACCOUNT, "day", T, 1.0, 0.5), (ACCOUNT, "week", T, 2.0, None)]
    assert sorted(q.reason for q in parsed.quarantined) == [
        "portfolio day: pnlHistory has a point that is not [time ms, value]",
        "portfolio week: pnlHistory is not a list of points",
    ]


def test_an_answer_that_is_not_a_list_is_rejected():
    with pytest.raises(r.BadRecord, match="expected a list"):
        list(portfolio.points({"error": "x"}))


def test_parse_all_quarantines_a_bad_point_and_keeps_the_rest():
    answer = [window("day", ["1.0", "oops", "3.0"])]
    parsed = parse_all(answer)
    assert [row[3] for row in parsed.rows] == [1.0, 3.0]
    assert len(parsed.quarantined) == 1 and "accountValue" in parsed.quarantined[0].reason
