"""Freshness benchmark: how long a fill takes from the exchange to `analytics.fct_pnl_daily`.

Runs the whole system as `make demo` does (embedded ClickHouse pair, the simulator in real time,
Airflow standalone with its real scheduler, ingest every minute) in a throwaway state directory,
watches it for `--minutes` (default 20), then for every fill the simulator made in that window
measures the time from its exchange timestamp to its being counted in the cloud mart, and splits
it into stages:

- schedule: fill time -> start of the ingest run whose window holds it (`ingest_runs.started_at`);
- ingest: that start -> the row stored locally (`hyperliquid.fills.ingested_at`, exact);
- replicate: stored locally -> first seen in the cloud raw table (polled every `--poll` s);
- transform: in the cloud raw table -> counted in `fct_pnl_daily.n_fills` (polled likewise).

The polled stages carry up to one poll interval of error each; the report says so. It also reads
every DAG run from Airflow's metadata database and reports how long runs waited from due (the
cron tick, or the first Asset event a run answers) to start, against the one-schedule-interval
rule. Targets (issue 17): p95 < 120 s, p50 < 90 s, no run queued longer
than one interval. Baseline in the same run: the ingest schedule interval itself (a fill can never
be fresher than the wait for the next tick, on average half an interval).

    .venv/bin/python bench/freshness_bench.py [--minutes 20] [--poll 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INTERVAL_S = 60.0


def _environment(state: Path, mode: str) -> dict[str, str]:
    """A demo of its own (maicro.devtools.demo_env), ingesting every minute."""
    from maicro.devtools.demo_env import demo_environment

    return demo_environment(
        state,
        MAICRO_INGEST_SCHEDULE="* * * * *",
        MAICRO_TRANSFORM_EXECUTION_MODE=mode,
        # fills all along: ~1.4 a minute per account, rebalancing every 15 min (the demo's 150 a
        # day every 4 h trade in the first 2 h of each period, and a window may see none)
        MAICRO_SIMULATOR_FILLS_PER_DAY="2000",
        MAICRO_SIMULATOR_REBALANCE_HOURS="0.25",
    )


def _start_demo(env: dict[str, str], log: Path) -> subprocess.Popen:
    print(f"freshness: starting the demo (log {log})", flush=True)
    with open(log, "w") as out:
        demo = subprocess.Popen(
            [str(BIN / "maicro"), "demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 900
    while "demo: up." not in log.read_text():
        if demo.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the demo did not come up:\n{log.read_text()[-4000:]}")
        time.sleep(2)
    return demo


def _stop_demo(demo: subprocess.Popen) -> None:
    os.killpg(demo.pid, signal.SIGINT)
    try:
        demo.wait(180)
    except subprocess.TimeoutExpired:
        os.killpg(demo.pid, signal.SIGKILL)


def _observe(minutes: float, poll: float, grace_s: float) -> tuple[datetime, datetime, dict]:
    """Poll the cloud until every fill of the window is counted (or the grace period ends)."""
    from maicro.clickhouse.client import connect

    cloud_raw = connect("cloud", "transform")
    reader = connect("cloud", "reader")
    start = datetime.now(UTC)
    end_watch = time.monotonic() + minutes * 60
    seen_cloud: dict[tuple, float] = {}
    counted: dict[tuple, float] = {}
    print(f"freshness: watching for {minutes:g} min from {start:%H:%M:%S} UTC", flush=True)
    last_print = 0.0
    while True:
        now = time.time()
        rows = cloud_raw.query(
            "SELECT account, coin, time, tid FROM hyperliquid.fills FINAL WHERE time >= {s:DateTime64(3)}",
            parameters={"s": start},
        ).result_rows
        for account, coin, _t, tid in rows:
            seen_cloud.setdefault((account, coin, tid), now)
        mart = reader.query(
            "SELECT account, coin, day, n_fills FROM analytics.fct_pnl_daily "
            "WHERE day >= toDate({s:DateTime64(3)})",
            parameters={"s": start},
        ).result_rows
        counts = {(a, c, d): n for a, c, d, n in mart}
        for account, coin, t, tid in rows:
            key = (account, coin, tid)
            if key in counted:
                continue
            ordinal = _ordinal(cloud_raw, account, coin, t, tid)
            if counts.get((account, coin, t.date()), 0) >= ordinal:
                counted[key] = now
        if time.monotonic() - last_print > 60:
            print(
                f"freshness: {len(seen_cloud)} fills in the cloud, {len(counted)} counted",
                flush=True,
            )
            last_print = time.monotonic()
        watching = time.monotonic() < end_watch
        if not watching and (
            len(counted) >= len(seen_cloud) or time.monotonic() > end_watch + grace_s
        ):
            break
        time.sleep(poll)
    return start, datetime.now(UTC), {"cloud": seen_cloud, "counted": counted}


_ORDINALS: dict[tuple, int] = {}


def _ordinal(client, account: str, coin: str, t: datetime, tid: int) -> int:
    """Which fill of its (account, coin, UTC day) this is: the mart counts n_fills per key."""
    key = (account, coin, tid)
    if key not in _ORDINALS:
        _ORDINALS[key] = client.query(
            "SELECT count() FROM hyperliquid.fills FINAL WHERE account = {a:String} AND "
            "coin = {c:String} AND toDate(time) = toDate({t:DateTime64(3)}) AND "
            "(time, tid) <= ({t:DateTime64(3)}, {tid:UInt64})",
            parameters={"a": account, "c": coin, "t": t, "tid": tid},
        ).result_rows[0][0]
    return _ORDINALS[key]


def _fills(start: datetime, minutes: float) -> list[dict]:
    """The window's fills with their exact ingest times and the run that fetched them."""
    from maicro.clickhouse.client import connect

    local = connect("local", "ingest")
    rows = local.query(
        "SELECT f.account, f.coin, f.tid, toFloat64(f.time), toFloat64(f.ingested_at), "
        "(SELECT toFloat64(min(r.started_at)) FROM maicro_monitors.ingest_runs AS r "
        " WHERE r.data_type = 'fills' AND r.account = f.account "
        " AND r.window_start <= f.time AND f.time < r.window_end) "
        "FROM hyperliquid.fills AS f FINAL "
        "WHERE f.time >= {s:DateTime64(3)} AND f.time < {s:DateTime64(3)} + toIntervalSecond({m:UInt32})",
        parameters={"s": start, "m": int(minutes * 60)},
    ).result_rows
    keys = ("account", "coin", "tid", "time", "ingested_at", "run_started_at")
    return [dict(zip(keys, row)) for row in rows]


def _queueing(airflow_db: Path, since: datetime) -> dict[str, float]:
    """Longest wait per DAG from when a run was due to its start, seconds, over the runs due in
    the observed window (Airflow's own metadata).

    "Due" is the run's `run_after`: a cron tick, or for an Asset-triggered run the first Asset
    event it answers. A DAG at its max_active_runs keeps its Asset events in a queue and creates
    no run at all until a slot frees, so `queued_at` -> `start_date` would hide that wait; from
    `run_after` it is counted."""
    db = sqlite3.connect(f"file:{airflow_db}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT dag_id, max((julianday(start_date) - julianday(run_after)) * 86400) "
        "FROM dag_run WHERE start_date IS NOT NULL AND run_after >= ? GROUP BY dag_id",
        (since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),),
    ).fetchall()
    return {dag: round(wait, 1) for dag, wait in rows}


def _durations(airflow_db: Path) -> dict[str, dict[str, float]]:
    """Mean and max run duration per DAG, and of the transform's one dbt build, seconds."""
    db = sqlite3.connect(f"file:{airflow_db}?mode=ro", uri=True)
    span = "(julianday(end_date) - julianday(start_date)) * 86400"
    rows = db.execute(
        f"SELECT dag_id, avg({span}), max({span}), count() FROM dag_run "
        "WHERE end_date IS NOT NULL GROUP BY dag_id"
    ).fetchall()
    rows += db.execute(
        f"SELECT 'transform: dbt build (producer)', avg({span}), max({span}), count() "
        "FROM task_instance WHERE dag_id = 'transform_analytics' AND task_id LIKE '%producer_watcher' "
        "AND end_date IS NOT NULL"
    ).fetchall()
    return {
        name: {"mean_s": round(mean, 1), "max_s": round(most, 1), "runs": n}
        for name, mean, most, n in rows
        if n
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--poll", type=float, default=2.0, help="cloud polling interval, seconds")
    parser.add_argument("--grace", type=float, default=300.0, help="wait after the window, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the state directory")
    parser.add_argument(
        "--mode",
        choices=("watcher", "local"),
        default="watcher",
        help="the transform DAG's cosmos execution mode (docs/analytics.md compares both)",
    )
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="maicro-freshness-"))
    env = _environment(state, args.mode)
    os.environ.update(env)
    demo = _start_demo(env, state / "demo.log")
    try:
        start, _, seen = _observe(args.minutes, args.poll, args.grace)
        fills = _fills(start, args.minutes)
        queued = _queueing(state / "airflow" / "airflow.db", start)
        durations = _durations(state / "airflow" / "airflow.db")
    finally:
        _stop_demo(demo)

    stages: dict[str, list[float]] = {
        "schedule": [],
        "ingest": [],
        "replicate": [],
        "transform": [],
    }
    totals, missing = [], 0
    for fill in fills:
        key = (fill["account"], fill["coin"], fill["tid"])
        if key not in seen["counted"] or key not in seen["cloud"] or not fill["run_started_at"]:
            missing += 1
            continue
        cloud_at, counted_at = seen["cloud"][key], seen["counted"][key]
        stages["schedule"].append(max(0.0, fill["run_started_at"] - fill["time"]))
        stages["ingest"].append(max(0.0, fill["ingested_at"] - fill["run_started_at"]))
        stages["replicate"].append(max(0.0, cloud_at - fill["ingested_at"]))
        stages["transform"].append(max(0.0, counted_at - cloud_at))
        totals.append(counted_at - fill["time"])
    if not totals:
        raise SystemExit(f"no fill was counted in the mart ({len(fills)} fills, {missing} missing)")

    total_mean = statistics.fmean(totals)
    result = {
        "fills": len(totals),
        "not_counted": missing,
        "p50_s": round(_pct(totals, 0.5), 1),
        "p95_s": round(_pct(totals, 0.95), 1),
        "max_s": round(max(totals), 1),
        "stage_mean_s": {k: round(statistics.fmean(v), 1) for k, v in stages.items()},
        "stage_share": {k: round(statistics.fmean(v) / total_mean, 3) for k, v in stages.items()},
        "poll_error_s": args.poll,
        "longest_queue_s": queued,
        "run_durations": durations,
        "baseline_mean_wait_for_tick_s": INTERVAL_S / 2,
    }
    print(f"freshness: transform mode {args.mode}")
    print(f"freshness: {result['fills']} fills over {args.minutes:g} min ({missing} not counted)")
    print(
        f"  fill -> fct_pnl_daily: p50 {result['p50_s']} s, p95 {result['p95_s']} s, "
        f"max {result['max_s']} s (targets p50 < 90, p95 < 120; polled every {args.poll:g} s)"
    )
    print(
        f"  p50 / baseline (half an ingest interval, {INTERVAL_S / 2:g} s): "
        f"{result['p50_s'] / (INTERVAL_S / 2):.1f}x"
    )
    for name, mean in result["stage_mean_s"].items():
        print(f"  {name:<10} mean {mean:6.1f} s  ({result['stage_share'][name]:.0%} of the total)")
    for dag, wait in sorted(queued.items()):
        flag = "ok" if wait <= INTERVAL_S else "WAITED LONGER THAN ONE INTERVAL"
        print(f"  longest wait due -> start {dag:<24} {wait:6.1f} s  {flag}")
    for name, figures in sorted(durations.items()):
        print(
            f"  run duration {name:<32} mean {figures['mean_s']:6.1f} s, "
            f"max {figures['max_s']:6.1f} s over {figures['runs']} runs"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "freshness.json").write_text(json.dumps(result, indent=2))
    if not args.keep:
        import shutil

        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
