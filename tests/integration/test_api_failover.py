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
