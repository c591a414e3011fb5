"""Benchmark of the dashboard: server-side time per tab on the analytics bench's data.

Data: the analytics bench's year (bench/analytics_bench.py: one simulated year, two accounts, ten
coins, 5-minute snapshots) loaded into a throwaway embedded pair and built with dbt.

Figures printed, per tab (targets in brackets), with the default filters (every account, the
last 30 days):
  * cold   — caches cleared: every query and figure of the tab, plus Streamlit's script run
             (AppTest, no browser)                                              [< 1 s]
  * cached — the same page again within the cache TTL                           [< 100 ms]
  * queries+figures alone (no Streamlit), for where the cold time goes
Baseline measured in the same run: one `SELECT 1` round trip as maicro_reader, and an AppTest run
of a script that only draws a title (Streamlit's own per-run cost); ratios are against them.

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

import analytics_bench as ab  # the same data, loaded the same way

TARGET_COLD_S, TARGET_CACHED_S = 1.0, 0.1


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--fills-per-day", type=float, default=820.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="maicro-dashbench-") as tmp:
        ab.start_pair(Path(tmp))
        try:
            return run(args, Path(tmp))
        finally:
            ab.stop_pair()


def run(args, tmp: Path) -> int:
    from maicro.clickhouse.client import connect
    from maicro.dashboard import data, figures, queries
    from maicro.dashboard.cli import APP
    from maicro.dashboard.tabs import TABS, te_threshold
    from maicro.hyperliquid.simulator import SimConfig, Simulator
    from maicro.transform import runner
    from streamlit.testing.v1 import AppTest

    admin = connect("cloud", "admin")
    sim = Simulator(
        SimConfig(
            seed=2025,
            start_ms=ab.ORIGIN,
            now_ms=ab.ORIGIN + args.days * ab.DAY_MS,
            coins=ab.COINS,
            fills_per_day=args.fills_per_day,
        )
    )
    t0 = time.perf_counter()
    counts = ab.load(sim, admin, 0, args.days)
    print(
        f"loaded {args.days} days in {time.perf_counter() - t0:.0f} s: "
        + ", ".join(f"{k.split('.')[-1]}={v:,}" for k, v in counts.items()),
        flush=True,
    )
    t0 = time.perf_counter()
    runner.build(full_refresh=True, models_only=True)
    print(f"dbt build in {time.perf_counter() - t0:.0f} s", flush=True)
    for mart in ("fct_trades", "fct_exposure"):
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
    select_1 = best_of(lambda: reader.query("SELECT 1"), 20)
    title_only = tmp / "title_only.py"
    title_only.write_text("import streamlit as st\nst.title('baseline')\n")
    streamlit_run = best_of(lambda: AppTest.from_file(str(title_only)).run(), args.repeat)
    print(
        f"baseline: SELECT 1 round trip {select_1 * 1000:.1f} ms; "
        f"Streamlit script run (title only) {streamlit_run * 1000:.1f} ms"
    )

    def compute(tab: str) -> None:
        """The tab's queries and figures without Streamlit."""
        if tab == "overview":
            r = queries.overview(reader, filters)
            figures.equity_curve(r["daily"]), figures.daily_pnl(r["daily"])
        elif tab == "positions":
            r = queries.positions(reader, filters)
            figures.weight_diff_history(r["history"], r["coin"])
        elif tab == "trades":
            queries.trades(reader, filters, limit=1)
            queries.trades(reader, filters)
        elif tab == "tracking":
            r = queries.tracking_error(reader, filters)
            figures.tracking_error(r["daily"], te_threshold())
            figures.contribution(r["latest"]), figures.targets_vs_actual(r["latest"])
        else:
            queries.health(reader, filters)

    def page(tab: str) -> float:
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.query_params["tab"] = tab
        t0 = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - t0
        if at.exception or at.error:
            raise SystemExit(
                f"{tab}: the page failed: {[e.value for e in at.error]} {at.exception}"
            )
        return elapsed

    print(f"\n{'tab':<16}{'cold s':>9}{'cached ms':>11}{'q+fig s':>9}{'cold/SELECT1':>14}  targets")
    ok = True
    for tab, (label, _) in TABS.items():
        colds, cacheds = [], []
        for _ in range(args.repeat):
            data.clear()
            colds.append(page(tab))
            cacheds.append(page(tab))
        cold, cached = statistics.median(colds), statistics.median(cacheds)
        raw = best_of(lambda tab=tab: compute(tab), args.repeat)
        met = cold < TARGET_COLD_S and cached < TARGET_CACHED_S
        ok &= met
        print(
            f"{label:<16}{cold:>9.3f}{cached * 1000:>11.1f}{raw:>9.3f}{cold / select_1:>14.0f}x"
            f"  {'met' if met else 'MISSED'} (< {TARGET_COLD_S:.0f} s cold, "
            f"< {TARGET_CACHED_S * 1000:.0f} ms cached)",
            flush=True,
        )
    reader.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
