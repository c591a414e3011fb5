"""The health configuration: per-strategy and per-account overrides apply to their scope only,
and a bad value is one error naming the file and the key."""

from __future__ import annotations

import pytest
from maicro.errors import MaicroError
from maicro.health.config import load

ACCOUNT = "0x00000000000000000000000000000000000000aa"


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "health.yaml"
    path.write_text(
        "tracking_error:\n  half_l1: {warn: 0.02, fail: 0.04}\n"
        "strategies:\n  carry_b:\n    tracking_error: {half_l1: {warn: 0.1, fail: 0.2}}\n"
        f"accounts:\n  '{ACCOUNT.upper().replace('0X', '0x')}':\n"
        "    heartbeat: {local: {warn: 1h, fail: 4h}}\n"
    )
    return load(path)


def test_file_values_override_the_documented_defaults(config):
    assert (config.limits("tracking_error", "half_l1").warn, config.reminder_s) == (0.02, 6 * 3600)


def test_a_strategy_override_applies_to_that_strategy_only(config):
    assert config.limits("tracking_error", "half_l1", strategy="carry_b").fail == 0.2
    assert config.limits("tracking_error", "half_l1", strategy="trend_a").fail == 0.04


def test_an_account_override_applies_to_that_account_only(config):
    mine = config.limits("heartbeat", "local", account=ACCOUNT)
    assert (mine.warn, mine.fail) == (3600, 4 * 3600)
    other = config.limits("heartbeat", "local", account="0x" + "b" * 40)
    assert (other.warn, other.fail) == (600, 1800)


def test_a_bad_duration_is_named(tmp_path):
    path = tmp_path / "health.yaml"
    path.write_text("replication:\n  lag: {warn: soon, fail: 1h}\n")
    with pytest.raises(
        MaicroError, match=r"replication\.lag: 'soon' is not a number or a duration"
    ):
        load(path).limits("replication", "lag")
