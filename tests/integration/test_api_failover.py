"""An endpoint that refuses connections is declared down once, and ingestion fails over to the
secondary endpoint when the primary fails its check, saying so: `maicro ingest` as a user runs it,
against real simulators (one stopped or failing)."""

from __future__ import annotations

import socket
import time

import pytest
from maicro.hyperliquid.simulator import SimConfig, start_simulator

from tests.conftest import run_maicro
from tests.integration._ingest_support import (
    NOW,
    assert_close,
    expected_fills_from_records,
    keyed,
    sim_env,
    stored_daily_fills,
)

HOUR = 3_600_000
WINDOW = ("--start", "2026-03-10T06:00:00Z", "--end", "2026-03-10T12:00:00Z", "--quiet")


def _closed_port_url() -> str:
    """The URL of a port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def sim(fresh_clickhouse, monkeypatch):
    with start_simulator(
        SimConfig(seed=9, n_accounts=2, days=1, now_ms=NOW, rate_limit=False)
    ) as handle:
        yield handle, sim_env(handle, monkeypatch)


def test_refused_connection_fails_within_60s_with_one_line_naming_the_url(sim):
    _, env = sim
    url = _closed_port_url()
    started = time.monotonic()
    result = run_maicro("ingest", *WINDOW, env={**env, "HYPERLIQUID_API_URL": url}, timeout=90)
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert elapsed < 60, elapsed
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("maicro: ") and url in errors[0]
    assert "refuses connections" in errors[0]


def test_stopped_primary_fails_over_to_the_secondary_and_says_so(sim, fresh_clickhouse):
    handle, env = sim
    down = _closed_port_url()
    result = run_maicro(
        "ingest",
        *WINDOW,
        env={**env, "HYPERLIQUID_API_URL": down, "HYPERLIQUID_API_URL_SECONDARY": handle.url},
    )
    assert result.returncode == 0, result.stderr
    assert f"failover: {down} failed its check" in result.stderr
    assert f"switched to {handle.url}" in result.stderr
    expected = expected_fills_from_records(handle.sim, NOW - 6 * HOUR, NOW)
    assert expected
    assert_close(
        keyed(
            stored_daily_fills(fresh_clickhouse),
            ["n_fills", "realized_pnl_gross", "fees", "volume_usd"],
        ),
        expected,
    )


def test_primary_answering_5xx_fails_its_check_and_the_secondary_is_used(sim):
    handle, env = sim
    with start_simulator(
        SimConfig(seed=9, n_accounts=2, days=1, now_ms=NOW, rate_limit=False)
    ) as broken:
        broken.set_faults(http_5xx="always", http_5xx_status=502)
        result = run_maicro(
            "ingest",
            *WINDOW,
            "--only",
            "fills",
            env={
                **env,
                "HYPERLIQUID_API_URL": broken.url,
                "HYPERLIQUID_API_URL_SECONDARY": handle.url,
            },
        )
    assert result.returncode == 0, result.stderr
    assert f"failover: {broken.url} failed its check (server_error" in result.stderr
    assert "fills:" in result.stdout and "fills: 0 rows" not in result.stdout


def test_probing_both_endpoints_stays_within_5_percent_of_the_weight_budget(monkeypatch):
    """The probe's own cost, as the exchange counts it (the simulators' rate limiters), over one
    full cycle of its heavy rotation: both endpoints together <= 60 of the 1200/min budget in
    every minute, and every heavy request type timed on each endpoint."""
    from maicro.health import probe

    now = NOW // 60_000 * 60_000
    config = SimConfig(seed=9, n_accounts=2, days=1, now_ms=now, rate_limit=False)
    with start_simulator(config) as primary, start_simulator(config) as secondary:
        sim_env(primary, monkeypatch, HYPERLIQUID_API_URL_SECONDARY=secondary.url)
        limiters = (primary.rate_limiter, secondary.rate_limiter)
        per_minute, heavy_seen = [], set()
        for minute in range(2 * len(probe.ROTATING)):
            before = sum(limiter.spent for limiter in limiters)
            round_ = probe.probe_all(now_ms=now + minute * 60_000)
            assert all(p.ok for p in round_), [p.error for p in round_ if not p.ok]
            per_minute.append(sum(limiter.spent for limiter in limiters) - before)
            heavy_seen |= {
                (p.endpoint, p.request_type) for p in round_ if p.request_type in probe.ROTATING
            }
            assert {p.endpoint for p in round_} == {primary.url, secondary.url}
    assert max(per_minute) <= 0.05 * 1200, per_minute
    assert heavy_seen == {(u, t) for u in (primary.url, secondary.url) for t in probe.ROTATING}
