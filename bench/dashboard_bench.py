"""Benchmark of the dashboard: server-side time per tab on the analytics bench's data.

Data: the analytics bench's year (bench/analytics_bench.py: one simulated year, two accounts, ten
coins, 5-minute snapshots) loaded into a throwaway embedded pair, plus a year of the monitors'
logs as the every-minute DAGs leave them (health checks, ingest, replication and DAG runs, API
probes, alerts), generated on the server; then one dbt build.

Figures printed per tab, with the default filters (every account, the last 30 days):
  * cold   — the tab's queries through the app's own cached call path (`data.load`, i.e.
             st.cache_data, plus the sidebar's `data.choices`) with the caches cleared, and its
             plotly figures built                                              [< 1 s]
  * cached — the same again within the cache TTL: cache hits, figures rebuilt  [< 100 ms]
  * page   — for information: a whole AppTest script run of the tab, cold, which adds
             Streamlit's own per-run cost (widgets, serialising frames and figures)
Baseline measured in the same run: one `SELECT 1` round trip as maicro_reader, and an AppTest run
of a script that only draws a title; ratios are against the round trip.

Usage: .venv/bin/python bench/dashboard_bench.py [--days 365] [--fills-per-day 820]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analytics_bench import (
    DAY_MS,
    FILLS_PER_DAY,
    ORIGIN,
    best_of,
    load,
    simulator,
    start_pair,
    stop_pair,
)

TARGET_COLD_S, TARGET_CACHED_S = 1.0, 0.1

# One monitor run's checks (name, subject) besides the per-(data type, account) heartbeats.
TABLES = ("fills", "funding", "ledger_updates", "orders", "account_snapshots", "position_snapshots")
ENDPOINTS = ("http://api-primary.example", "http://api-secondary.example")
REQUEST_TYPES = ("allMids", "candleSnapshot", "l2Book", "meta")


def record_monitor_year(client, accounts: list[str], end_ms: int, days: int) -> dict[str, int]:
    """A year of what the every-minute monitor, ingest and replication DAGs write, generated on
    the server (INSERT … SELECT FROM numbers): the System Health tab's queries must stay fast
    when these logs have grown for a year (no TTL on them)."""
    from maicro import catalog

    minutes = days * 1440
    end = f"toDateTime64({end_ms / 1000:.3f}, 3, 'UTC')"
    at = f"{end} - toIntervalMinute(number)"
    heartbeat = [
        (f"heartbeat_{server}", f"{dt}/{account}")
        for server in ("local", "cloud")
        for dt in catalog.DATA_TYPES
        for account in accounts
    ]
    others = [("replication_lag", f"hyperliquid.{t}") for t in TABLES]
    others += [("verification", f"hyperliquid.{t}") for t in TABLES]
    others += [(check, e) for e in ENDPOINTS for check in ("api_error_rate", "api_rtt")]
    others += [("tracking_error", a) for a in accounts] + [("dbt_tests", "build")]
    others += [("dag_success", d) for d in ("ingest_hyperliquid", "replicate_to_cloud")]
    checks = heartbeat + others
    statements = {
        "maicro_monitors.health_checks": f"""
            INSERT INTO maicro_monitors.health_checks
            SELECT {at}, c.1, c.2, if((number + cityHash64(c.2)) % 5000 = 0, 'warn', 'ok'),
                   number % 600, 1800, 's', concat(c.1, ' ', c.2)
            FROM numbers({minutes}) ARRAY JOIN {checks!r} AS c""",
        "maicro_monitors.ingest_runs": f"""
            INSERT INTO maicro_monitors.ingest_runs (run_id, data_type, account, window_start,
                window_end, rows_fetched, status, started_at, finished_at)
            SELECT toString(number), k.1, k.2, {at} - INTERVAL 1 MINUTE, {at}, 10,
                   if(number % 10000 = 7, 'failed', 'ok'), {at}, {at} + INTERVAL 3 SECOND
            FROM numbers({minutes})
            ARRAY JOIN {[(dt, a) for dt in catalog.DATA_TYPES for a in accounts]!r} AS k""",
        "maicro_monitors.replication_runs": f"""
            INSERT INTO maicro_monitors.replication_runs (run_id, started_at, finished_at,
                database, table, rows_sent, lag_seconds, status)
            SELECT toString(number), {at}, {at} + INTERVAL 2 SECOND, 'hyperliquid', t, 100,
                   30 + number % 40, 'ok'
            FROM numbers({minutes}) ARRAY JOIN {list(TABLES)!r} AS t""",
        "maicro_monitors.verification_results": f"""
            INSERT INTO maicro_monitors.verification_results (run_id, verified_at, database,
                table, slices_checked, status)
            SELECT toString(number), {end} - toIntervalHour(number), 'hyperliquid', t, 30, 'ok'
            FROM numbers({days * 24}) ARRAY JOIN {list(TABLES)!r} AS t""",
        "maicro_monitors.dag_runs": f"""
            INSERT INTO maicro_monitors.dag_runs (dag_id, run_id, state, start_date, end_date,
                recorded_at)
            SELECT d, toString(number), s, {at}, {at} + INTERVAL 20 SECOND,
                   {at} + toIntervalSecond(if(s = 'running', 0, 20))
            FROM numbers({minutes})
            ARRAY JOIN ['ingest_hyperliquid', 'monitor_health'] AS d
            ARRAY JOIN ['running', if(number % 3000 = 1, 'failed', 'success')] AS s""",
        "maicro_monitors.alerts": f"""
            INSERT INTO maicro_monitors.alerts
            SELECT concat('heartbeat_cloud:fills/', toString(intDiv(number, 3))),
                   'heartbeat_cloud', 'fills', ['fired', 'reminded', 'resolved'][number % 3 + 1],
                   if(number % 3 = 2, 'ok', 'warn'), 'cloud data is 40 min old', ['email'],
                   {end} - toIntervalMinute(intDiv({minutes} * (3000 - number), 3000))
            FROM numbers(3000)""",
        "maicro_monitors.api_probes": f"""
            INSERT INTO maicro_monitors.api_probes (probed_at, endpoint, request_type, rtt_ms, ok)
            SELECT {at}, e, r, 30 + (cityHash64(number, e, r) % 2000) / 10, number % 997 != 0
            FROM numbers({minutes})
            ARRAY JOIN {list(ENDPOINTS)!r} AS e ARRAY JOIN {list(REQUEST_TYPES)!r} AS r""",
    }
    counts = {}
    for table, sql in statements.items():
        client.command(sql)
        counts[table] = client.query(f"SELECT count() FROM {table}").result_rows[0][0]
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--fills-per-day", type=float, default=FILLS_PER_DAY)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="maicro-dashbench-") as tmp:
        start_pair(Path(tmp))
        try:
            return run(args, Path(tmp))
        finally:
            stop_pair()


def tab_work(tab: str, f) -> None:
    """What the tab's page computes before drawing: the sidebar's choices, its queries through
    `data.load` (st.cache_data, the page's own arguments) and its plotly figures."""
    from maicro.dashboard import data
    from maicro.dashboard.tabs import te_threshold

    data.choices()
    if tab == "overview":
        r = data.load("overview", f)
        data.figure("equity_curve", r["daily"]), data.figure("daily_pnl", r["daily"])
    elif tab == "positions":
        r = data.load("positions", f, coin=None)
        data.figure("weight_diff_history", r["history"], r["coin"])
    elif tab == "trades":
        data.load("trades", f, limit=1)
        data.load("trades", f, coins=(), side="", liquidity="")
    elif tab == "tracking":
        r = data.load("tracking_error", f)
        data.figure("tracking_error", r["daily"], te_threshold())
        for (strategy, account), rows in r["latest"].groupby(["strategy", "account"]):
            data.figure("contribution", rows, f"{strategy} · {account}")
            data.figure("targets_vs_actual", rows, f"{strategy} · {account}")
    else:
        r = data.load("health", f)
        data.figure("latency", r["latency"])


def clear_caches() -> None:
    """Forget cached results, keep the connection (as a served app after the TTL)."""
    from maicro.dashboard import data

    data._cached.clear()
    data._cached_choices.clear()
    data.figure.clear()


def run(args, tmp: Path) -> int:
    from maicro.clickhouse.client import connect
    from maicro.dashboard import data, queries
    from maicro.dashboard.cli import APP
    from maicro.dashboard.tabs import TABS
    from maicro.transform import runner
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    # outside `streamlit run` every cached call and script run warns that there is no runtime
    set_log_level("error")
    admin = connect("cloud", "admin")
    sim = simulator(args.days, args.fills_per_day)
    t0 = time.perf_counter()
    counts = load(sim, admin, 0, args.days)
    counts |= record_monitor_year(
        admin, [a for a, _ in sim.accounts], ORIGIN + args.days * DAY_MS, args.days
    )
    print(
        f"loaded {args.days} days in {time.perf_counter() - t0:.0f} s: "
        + ", ".join(f"{k.split('.')[-1]}={v:,}" for k, v in counts.items()),
        flush=True,
    )
    t0 = time.perf_counter()
    runner.build(full_refresh=True, models_only=True)
    print(f"dbt build in {time.perf_counter() - t0:.0f} s", flush=True)
    for mart in ("fct_trades", "fct_exposure", "fct_api_latency_hourly"):
        n = admin.query(f"SELECT count() FROM analytics.{mart}").result_rows[0][0]
        print(f"  analytics.{mart}: {n:,} rows")
    admin.close()

    reader = connect("cloud", "reader")
    choices = queries.choices(reader)
    assert choices.last_day and choices.first_day
    filters = queries.Filters(
        tuple(choices.accounts),
        max(choices.first_day, choices.last_day - timedelta(days=29)),
        choices.last_day,
    )
    select_1, _ = best_of(20, lambda: reader.query("SELECT 1"))
    reader.close()
    title_only = tmp / "title_only.py"
    title_only.write_text("import streamlit as st\nst.title('baseline')\n")
    streamlit_run, _ = best_of(args.repeat, lambda: AppTest.from_file(str(title_only)).run())
    print(
        f"baseline: SELECT 1 round trip {select_1 * 1000:.1f} ms; "
        f"AppTest run of a title-only script {streamlit_run * 1000:.1f} ms"
    )

    def timed(fn) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    def page(tab: str) -> float:
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.query_params["tab"] = tab
        clear_caches()
        elapsed = timed(at.run)
        if at.exception or at.error:
            raise SystemExit(f"{tab}: the page failed: {[e.value for e in at.error]}")
        return elapsed

    data.choices()  # open the connection once, as the served app has
    print(f"\n{'tab':<16}{'cold s':>9}{'cached ms':>11}{'cold/SELECT1':>14}{'page s':>9}  targets")
    ok = True
    for tab, (label, _) in TABS.items():
        colds, cacheds = [], []
        for _ in range(args.repeat):
            clear_caches()
            colds.append(timed(lambda tab=tab: tab_work(tab, filters)))
            cacheds.append(timed(lambda tab=tab: tab_work(tab, filters)))
        cold, cached = statistics.median(colds), statistics.median(cacheds)
        whole = statistics.median(page(tab) for _ in range(args.repeat))
        met = cold < TARGET_COLD_S and cached < TARGET_CACHED_S
        ok &= met
        print(
            f"{label:<16}{cold:>9.3f}{cached * 1000:>11.1f}{cold / select_1:>13.0f}x{whole:>9.2f}"
            f"  {'met' if met else 'MISSED'} (< {TARGET_COLD_S:.0f} s cold, "
            f"< {TARGET_CACHED_S * 1000:.0f} ms cached)",
            flush=True,
        )
    data.clear()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
