"""The dashboard calls data stale by the health monitor's heartbeat threshold (one source of
truth), with the config's per-account and per-strategy overrides, never by a setting of its own."""

from __future__ import annotations

from maicro import settings
from maicro.dashboard.data import stale_after_s
from maicro.health.config import load

CARRY = "0x00000000000000000000000000000000000000aa"
MOMENTUM = "0x00000000000000000000000000000000000000bb"


def test_the_default_is_the_heartbeat_checks_cloud_warn_threshold(monkeypatch):
    monkeypatch.delenv("MAICRO_HEALTH_CONFIG", raising=False)
    assert stale_after_s() == load().limits("heartbeat", "cloud").warn == 30 * 60
    assert not hasattr(settings.get(), "maicro_dashboard_stale_after")


def test_overrides_of_the_shown_accounts_and_their_strategies_apply(monkeypatch, tmp_path):
    path = tmp_path / "health.yaml"
    path.write_text(
        "heartbeat:\n  cloud: {warn: 20m, fail: 1h}\n"
        "strategies:\n  carry:\n    heartbeat: {cloud: {warn: 2h, fail: 4h}}\n"
        f"accounts:\n  '{MOMENTUM}':\n    heartbeat: {{cloud: {{warn: 1d, fail: 2d}}}}\n"
    )
    monkeypatch.setenv("MAICRO_HEALTH_CONFIG", str(path))
    monkeypatch.setenv("MAICRO_ACCOUNTS", f"{CARRY}=carry,{MOMENTUM}=momentum")
    assert stale_after_s() == 20 * 60  # no account in scope: the file's default
    assert stale_after_s((CARRY,)) == 2 * 3600  # its strategy's override
    assert stale_after_s((MOMENTUM.upper().replace("0X", "0x"),)) == 86400  # account override
    # Several accounts on one page: stale only once every shown account's promise is broken.
    assert stale_after_s((CARRY, MOMENTUM)) == 86400
