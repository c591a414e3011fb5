"""Every number a reader sees goes through maicro.formatting: signs, separators, tone words."""

from __future__ import annotations

import math

import pytest
from maicro import formatting as fmt


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234567.891, "+$1,234,567.89"),
        (-12.5, "−$12.50"),
        (0.0, "$0.00"),
        (-0.004, "$0.00"),  # rounds to zero: no sign, not "−$0.00"
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_money_has_separators_and_a_sign(value, shown):
    assert fmt.money(value) == shown


def test_levels_are_shown_without_plus_sign():
    assert fmt.money(250000, sign=False) == "$250,000.00"
    assert fmt.money(-3, sign=False) == "−$3.00"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.012345, "+1.23%"), (-0.5, "−50.00%"), (0, "0.00%"), (None, "—")],
)
def test_pct_and_weight(value, shown):
    assert fmt.pct(value) == shown
    assert fmt.weight(value) == shown


def test_bps_and_number():
    assert fmt.bps(3.26) == "+3.3 bps"
    assert fmt.bps(-1234.5) == "−1,234.5 bps"
    assert fmt.number(12345) == "12,345"


def test_tone_words_carry_the_meaning_without_colour():
    assert fmt.tone(10).word == "gain" and fmt.tone(10).colour == fmt.GAIN_COLOUR
    assert fmt.tone(-0.01).word == "loss" and fmt.tone(-0.01).colour == fmt.LOSS_COLOUR
    assert fmt.tone(-0.001).word == "flat"  # shown as $0.00: not a loss
    assert fmt.tone(None).word == "flat"
    assert fmt.GAIN_COLOUR != fmt.LOSS_COLOUR


@pytest.mark.parametrize("value", [1234.56, -0.07, 0.0, 98765432.1])
def test_parse_reads_back_what_was_formatted(value):
    assert fmt.parse(fmt.money(value)) == pytest.approx(round(value, 2))
    assert fmt.parse(fmt.pct(value / 100)) == pytest.approx(round(value, 2) / 100)
    assert fmt.parse(fmt.bps(value)) == pytest.approx(round(value, 1))
    assert fmt.parse("—") is None
