"""Every fault the exchange can throw at us is retried or quarantined, and nothing is lost:
after the run, the tables hold what the simulator's own records say, as with a healthy API."""

from __future__ import annotations

import pytest
from maicro import settings
from maicro.hyperliquid.client import HyperliquidClient
from maicro.hyperliquid.simulator import SimConfig, start_simulator
from maicro.ingest.run import IngestFailed, Ingestion, run_window
from maicro.ingest.window import Window

from tests.integration._ingest_support import (
    DAY_MS,
    NOW,
    assert_close,
    expected_fills,
    expected_fills_from_records,
    expected_funding,
    keyed,
    query,
    sim_env,
    stored_daily_fills,
    stored_daily_funding,
)

CONFIG = dict(seed=5, n_accounts=2, days=1, now_ms=NOW, fills_per_day=300, rate_limit=False)
TIME_RANGED = ("fills", "funding", "ledger")


@pytest.fixture
def sim(fresh_clickhouse, monkeypatch):
    with start_simulator(SimConfig(**CONFIG)) as handle:
        sim_env(handle, monkeypatch)
        yield handle


def assert_complete(handle, pair, window, exotic=False):
    sim = handle.sim
    stored = stored_daily_fills(pair)
    if exotic:  # exotic records are valid and kept; they move no money (simulator's contract)
        extra = stored[stored["coin"].isin(["xyz:XYZ100", "@107"])]
        assert len(extra) > 0 and extra["realized_pnl_gross"].abs().sum() == 0
        stored = stored[~stored["coin"].isin(["xyz:XYZ100", "@107"])]
    whole_days = window.start_ms % DAY_MS == 0
    assert_close(
        keyed(stored, ["n_fills", "realized_pnl_gross", "fees", "volume_usd"]),
        expected_fills(sim, window.start_ms, window.end_ms)
        if whole_days
        else expected_fills_from_records(sim, window.start_ms, window.end_ms),
    )
    funding = stored_daily_funding(pair)
    if exotic:
        funding = funding[~funding["coin"].isin(["xyz:XYZ100", "@107"])]
    assert_close(
        keyed(funding, ["funding", "n"]), expected_funding(sim, window.start_ms, window.end_ms)
    )
    n_ledger = sum(
        len(sim.records("ledger", a, window.start_ms, window.end_ms)) for a, _ in sim.accounts
    )
    assert (
        query(pair, "SELECT count() AS n FROM hyperliquid.ledger_updates FINAL")["n"][0] == n_ledger
    )
    assert query(pair, "SELECT count() AS n FROM maicro_monitors.quarantine")["n"][0] == 0


@pytest.mark.parametrize(
    "switches, retried_as",
    [
        ({"http_5xx": "every:3"}, "server_error"),
        ({"http_5xx": "every:4", "http_5xx_status": 502}, "server_error"),
        ({"truncated_json": "every:2"}, "bad_response"),
        ({"malformed_json": "every:3"}, "bad_response"),
        ({"timeout": "next:2", "timeout_ms": 2500}, "timeout"),
        ({"extra_fields": "always"}, None),
        ({"exotic_coins": "always"}, None),
    ],
)
def test_fault_mode_is_survived_without_loss(
    sim, fresh_clickhouse, monkeypatch, switches, retried_as
):
    monkeypatch.setenv("MAICRO_HL_TIMEOUT_S", "1")
    sim.set_faults(**switches)
    window = Window(sim.sim.origin, NOW)
    run_window(window, TIME_RANGED)
    sim.set_faults(reset=True)
    assert_complete(sim, fresh_clickhouse, window, exotic="exotic_coins" in switches)
    statuses = set(
        query(fresh_clickhouse, "SELECT DISTINCT status FROM maicro_monitors.api_latency")["status"]
    )
    assert statuses == ({"ok", retried_as} if retried_as else {"ok"})


def test_429_is_retried_after_the_servers_retry_after(fresh_clickhouse, monkeypatch):
    with start_simulator(SimConfig(**{**CONFIG, "rate_limit": True})) as handle:
        sim_env(handle, monkeypatch)
        # Spend the simulator's whole budget for our IP: the next requests get a real 429.
        handle.rate_limiter.charge("127.0.0.1", handle.rate_limiter.remaining("127.0.0.1"))
        window = Window(handle.sim.origin, NOW)
        run_window(window, TIME_RANGED)
        assert_complete(handle, fresh_clickhouse, window)
    limited = query(
        fresh_clickhouse,
        "SELECT count() AS n FROM maicro_monitors.api_latency "
        "WHERE status = 'rate_limited' AND http_status = 429",
    )
    assert limited["n"][0] >= 1


def test_api_that_keeps_failing_fails_the_step_and_keeps_what_it_had(
    sim, fresh_clickhouse, monkeypatch
):
    monkeypatch.setenv("MAICRO_HL_MAX_ATTEMPTS", "3")
    window = Window(sim.sim.origin, NOW)
    run_window(window, ("funding",))
    sim.set_faults(http_5xx="always")
    ingestion = Ingestion(window)
    with pytest.raises(IngestFailed, match="failed 3 times; last: server_error"):
        ingestion.run("fills")
    ingestion.close()
    sim.set_faults(reset=True)
    runs = query(fresh_clickhouse, "SELECT data_type, status FROM maicro_monitors.ingest_runs")
    assert set(runs[runs["data_type"] == "fills"]["status"]) == {"failed"}
    assert query(fresh_clickhouse, "SELECT count() AS n FROM hyperliquid.funding")["n"][0] > 0
    # The retry (what Airflow does next) completes the window.
    run_window(window, TIME_RANGED)
    assert_complete(sim, fresh_clickhouse, window)


class CorruptingClient(HyperliquidClient):
    """The real client over real HTTP, with three fills spoiled the way a broken API would."""

    def user_fills(self, user, start_ms, end_ms):
        records = super().user_fills(user, start_ms, end_ms)
        records[0] = {k: v for k, v in records[0].items() if k != "tid"}
        records[1] = {**records[1], "px": "not-a-price"}
        records[2] = {**records[2], "side": "Z"}
        return records


def test_bad_records_are_quarantined_and_the_rest_lands(sim, fresh_clickhouse):
    window = Window(sim.sim.origin, NOW)
    account = sim.sim.accounts[0][0]
    accounts = [a for a in settings.get().accounts if a.address == account]
    for _ in range(2):  # a re-run quarantines the same records once
        ingestion = Ingestion(window, accounts=accounts, client=CorruptingClient())
        outcome = ingestion.run("fills")
        ingestion.close()
        assert outcome.rows_quarantined == 3 and "3 quarantined" in outcome.summary()
    bad = query(
        fresh_clickhouse,
        "SELECT data_type, account, reason, raw, source "
        "FROM maicro_monitors.quarantine FINAL ORDER BY reason",
    )
    assert bad["reason"].tolist() == [
        "missing required field tid",
        "non-numeric px: 'not-a-price'",
        "unknown side 'Z' (expected B or A)",
    ]
    assert set(bad["data_type"]) == {"fills"} and set(bad["account"]) == {account}
    assert bad["raw"].str.contains('"coin"').all() and bad["source"].str.endswith("/info").all()
    n_all = len(sim.sim.records("fills", account, window.start_ms, window.end_ms))
    assert (
        query(fresh_clickhouse, "SELECT count() AS n FROM hyperliquid.fills FINAL")["n"][0]
        == n_all - 3
    )
    runs = query(fresh_clickhouse, "SELECT rows_quarantined FROM maicro_monitors.ingest_runs")
    assert runs["rows_quarantined"].tolist() == [3, 3]


class CorruptingPortfolioClient(HyperliquidClient):
    """The real client over real HTTP, with the `perpDay` window's points spoiled: one value not
    a number, one point without its value, one negative time."""

    def portfolio(self, user):
        answer = super().portfolio(user)
        history = dict(answer)["perpDay"]["accountValueHistory"]
        history[1] = [history[1][0], "NaN-ish"]
        history[2] = [history[2][0]]
        history[3] = [-1, history[3][1]]
        return answer


class NonListPortfolioClient(HyperliquidClient):
    def portfolio(self, user):
        return {"error": "user not found"}


def portfolio_rows(pair) -> int:
    return query(pair, "SELECT count() AS n FROM hyperliquid.portfolio_history FINAL")["n"][0]


def test_bad_portfolio_points_are_quarantined_with_their_reason(sim, fresh_clickhouse):
    window = Window(sim.sim.origin, NOW)
    account = sim.sim.accounts[0][0]
    accounts = [a for a in settings.get().accounts if a.address == account]
    healthy = Ingestion(window, accounts=accounts)
    n_all = healthy.run("portfolio").rows_inserted
    healthy.close()
    empty_portfolio(fresh_clickhouse)
    for _ in range(2):  # a re-run quarantines the same points once
        ingestion = Ingestion(window, accounts=accounts, client=CorruptingPortfolioClient())
        outcome = ingestion.run("portfolio")
        ingestion.close()
        assert outcome.rows_quarantined == 3 and "3 quarantined" in outcome.summary()
    bad = query(
        fresh_clickhouse,
        "SELECT data_type, account, reason FROM maicro_monitors.quarantine FINAL ORDER BY reason",
    )
    assert bad["reason"].tolist() == [
        "negative time: -1",
        "non-numeric accountValue: 'NaN-ish'",
        "portfolio perpDay: accountValueHistory has a point that is not [time ms, value]",
    ]
    assert set(bad["data_type"]) == {"portfolio"} and set(bad["account"]) == {account}
    assert portfolio_rows(fresh_clickhouse) == n_all - 3


def test_a_portfolio_answer_that_is_not_a_list_fails_the_step_naming_why(sim, fresh_clickhouse):
    window = Window(sim.sim.origin, NOW)
    account = sim.sim.accounts[0][0]
    accounts = [a for a in settings.get().accounts if a.address == account]
    ingestion = Ingestion(window, accounts=accounts, client=NonListPortfolioClient())
    with pytest.raises(IngestFailed, match=f"portfolio {account} .*: portfolio answer is dict, "):
        ingestion.run("portfolio")
    ingestion.close()
    runs = query(fresh_clickhouse, "SELECT status, error FROM maicro_monitors.ingest_runs FINAL")
    assert runs.values.tolist() == [["failed", "portfolio answer is dict, expected a list"]]
    assert portfolio_rows(fresh_clickhouse) == 0


def empty_portfolio(pair) -> None:
    client = pair.client("local", "admin")
    client.command("TRUNCATE TABLE hyperliquid.portfolio_history")
    client.close()


def test_late_data_inside_a_window_is_picked_up_on_rerun(sim, fresh_clickhouse):
    window = Window(NOW - 6 * 3_600_000, NOW)
    sim.set_now(NOW - 3 * 3_600_000)  # the run happens while half the window is still future
    run_window(window, TIME_RANGED)
    early = query(fresh_clickhouse, "SELECT count() AS n FROM hyperliquid.fills FINAL")["n"][0]
    sim.set_now(NOW)
    run_window(window, TIME_RANGED)
    assert_complete(sim, fresh_clickhouse, window)
    total = query(fresh_clickhouse, "SELECT count() AS n FROM hyperliquid.fills FINAL")["n"][0]
    assert 0 < early < total


def test_backfill_of_an_old_window_skips_now_snapshots(sim, fresh_clickhouse):
    window = Window(NOW - DAY_MS, NOW - DAY_MS + 3_600_000)
    run_window(window, ("snapshots", "market", "fills"))
    assert (
        query(fresh_clickhouse, "SELECT count() AS n FROM hyperliquid.account_snapshots")["n"][0]
        == 0
    )
    assert query(fresh_clickhouse, "SELECT count() AS n FROM hyperliquid.mids")["n"][0] == 0
    runs = query(
        fresh_clickhouse, "SELECT data_type, status, error FROM maicro_monitors.ingest_runs"
    )
    skipped = runs[runs["data_type"].isin(["snapshots", "market"])]
    assert set(skipped["status"]) == {"skipped"}
    assert skipped["error"].str.contains("state snapshots describe now").all()
