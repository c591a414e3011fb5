"""Health benchmark, part 1: the data-feed probe's own API weight per minute, against the exchange's
1200/min per-IP budget (target: <= 5%, primary and secondary endpoint together, in the mean and in
the heaviest minute).

The weight is what the simulator's rate limiter charges (base weight when a request arrives, the
per-item surcharge after it answers: the exchange's published rules), summed over one full cycle
of the probe's rotating heavy request over both endpoints, one round per simulated minute.

Part 2: one `monitor_health` run (probe, every check, results stored, alerts planned) over one
year of data for 2 accounts (target: < 5 s). The year is analytics_bench's (its loader, imported):
the simulator's records and 5-minute snapshots loaded into the local server, replicated to the
cloud by the real replication, marts built by dbt; plus a year of the run logs a live pipeline
leaves (one ingest run per data type and account every minute, one probe round every minute),
which are what the heartbeat and data-feed checks read. Per-check times are printed too.

    .venv/bin/python bench/health_bench.py [--days 7] [--year-days 365] [--skip-year]
"""

from __future__ import annotations

import argparse
import os
import time


def probe_overhead(days: float) -> None:
    """Probe rounds over one full cycle of the heavy rotation, with a secondary endpoint (a
    second simulator; both count against the same per-IP budget)."""
    from maicro.health import probe
    from maicro.hyperliquid.simulator import SimConfig, start_simulator
    from maicro.hyperliquid.weights import EXCHANGE_LIMIT_PER_MINUTE

    now = int(time.time() * 1000) // 60_000 * 60_000
    config = SimConfig(seed=1, n_accounts=2, days=days, now_ms=now, speed=1.0)
    with start_simulator(config) as primary, start_simulator(config) as secondary:
        os.environ["HYPERLIQUID_API_URL"] = primary.url
        os.environ["HYPERLIQUID_API_URL_SECONDARY"] = secondary.url
        os.environ["MAICRO_ACCOUNTS"] = ",".join(f"{a}={s}" for a, s in primary.sim.accounts)
        os.environ["MAICRO_HL_WEIGHT_PER_MINUTE"] = "0"
        limiters = (primary.rate_limiter, secondary.rate_limiter)
        per_minute = []
        started = time.perf_counter()
        minutes = 2 * len(probe.ROTATING)
        for minute in range(minutes):
            before = sum(limiter.spent for limiter in limiters)
            round_ = probe.probe_all(now_ms=now + minute * 60_000)
            failed = [f"{p.endpoint} {p.request_type}" for p in round_ if not p.ok]
            assert not failed, f"probe requests failed: {failed}"
            heavy = [p for p in round_ if p.request_type in probe.ROTATING]
            where = "primary" if heavy[0].endpoint == primary.url else "secondary"
            per_minute.append(
                (
                    f"{heavy[0].request_type} on {where}",
                    sum(limiter.spent for limiter in limiters) - before,
                )
            )
        elapsed = time.perf_counter() - started

    budget = EXCHANGE_LIMIT_PER_MINUTE
    mean = sum(w for _, w in per_minute) / len(per_minute)
    worst = max(w for _, w in per_minute)
    for heavy_type, weight in per_minute:
        print(f"minute with {heavy_type:<38} weight {weight:>4}")
    print(f"probe weight per minute, primary + secondary: mean {mean:.1f}, heaviest {worst}")
    print(
        f"share of the {budget}/min budget (target <= 5%): mean {mean / budget:.2%}, "
        f"heaviest minute {worst / budget:.2%}"
    )
    print(f"probe rounds (both endpoints): {elapsed / minutes * 1000:.0f} ms each (loopback)")


def _run_logs(client, start_ms: int, end_ms: int, accounts: list[str]) -> int:
    """A live pipeline's logs over [start, end): an ingest run per data type and account every
    minute, a probe round (5 requests) every minute; generated in ClickHouse."""
    from maicro import catalog

    minutes = (end_ms - start_ms) // 60_000
    client.command(
        f"""
        INSERT INTO maicro_monitors.ingest_runs
        SELECT generateUUIDv4(), data_type, account,
               fromUnixTimestamp64Milli(toInt64({start_ms} + number * 60000)),
               fromUnixTimestamp64Milli(toInt64({start_ms} + (number + 1) * 60000)),
               10, 10, 0, 20, 'ok', '',
               fromUnixTimestamp64Milli(toInt64({start_ms} + (number + 1) * 60000)),
               fromUnixTimestamp64Milli(toInt64({start_ms} + (number + 1) * 60000 + 900))
        FROM numbers({minutes})
        ARRAY JOIN {list(catalog.DATA_TYPES)} AS data_type
        ARRAY JOIN {accounts} AS account""",
        settings={"max_insert_threads": 2},
    )
    client.command(
        f"""
        INSERT INTO maicro_monitors.api_probes (probed_at, endpoint, request_type, rtt_ms, ok,
                                                error, clock_skew_ms, candle_age_ms, mid_age_ms)
        SELECT fromUnixTimestamp64Milli(toInt64({start_ms} + number * 60000)), 'http://bench',
               request_type, 40 + number % 30, 1, '', 5, 30000, 1000
        FROM numbers({minutes})
        ARRAY JOIN ['clearinghouseState', 'allMids', 'l2Book', 'candleSnapshot', 'portfolio']
            AS request_type"""
    )
    return minutes * (len(catalog.DATA_TYPES) * len(accounts) + 5)


def monitor_run_over_a_year(days: int) -> None:
    """Part 2 (see the module docstring)."""
    import statistics
    import tempfile
    from pathlib import Path

    from analytics_bench import COINS, DAY_MS, ORIGIN, load, start_pair, stop_pair

    with tempfile.TemporaryDirectory(prefix="maicro-health-bench-") as tmp:
        start_pair(Path(tmp))
        try:
            from maicro.clickhouse.client import connect
            from maicro.health import checks, monitor
            from maicro.health.config import load as load_config
            from maicro.hyperliquid.simulator import SimConfig, Simulator, start_simulator
            from maicro.replication.run import replicate
            from maicro.transform import runner

            end = ORIGIN + days * DAY_MS
            sim = Simulator(SimConfig(seed=2025, start_ms=ORIGIN, now_ms=end, coins=COINS))
            os.environ["MAICRO_ACCOUNTS"] = ",".join(f"{a}={s}" for a, s in sim.accounts)
            os.environ["DBT_TARGET_PATH"] = str(Path(tmp) / "dbt")
            # No Airflow metadata DB here: the DAG check has nothing to read (it is one query).
            os.environ["AIRFLOW_HOME"] = str(Path(tmp) / "airflow")
            local = connect("local", "admin")
            t0 = time.perf_counter()
            counts = load(sim, local, 0, days)
            logs = _run_logs(local, ORIGIN, end, [a for a, _ in sim.accounts])
            print(f"loaded {days} days locally in {time.perf_counter() - t0:.0f} s: "
                  f"{sum(counts.values()):,} rows + {logs:,} run-log rows", flush=True)  # fmt: skip
            t0 = time.perf_counter()
            replicate(log=lambda *_: None)
            print(f"replicated in {time.perf_counter() - t0:.0f} s", flush=True)
            t0 = time.perf_counter()
            runner.build(full_refresh=True, models_only=True)
            print(f"marts built in {time.perf_counter() - t0:.0f} s", flush=True)

            now = end + 60_000
            config = SimConfig(seed=1, n_accounts=2, days=1, now_ms=now, rate_limit=False)
            with start_simulator(config) as feed:
                os.environ["HYPERLIQUID_API_URL"] = feed.url
                os.environ.pop("HYPERLIQUID_API_URL_SECONDARY", None)
                runs = []
                for i in range(3):
                    t0 = time.perf_counter()
                    run = monitor.run_once(now_ms=now + i * 60_000, channels={})
                    runs.append(time.perf_counter() - t0)
                ctx = monitor.context(load_config(), now)
                per_check = []
                for check in checks.CHECKS:
                    t0 = time.perf_counter()
                    check(ctx)
                    per_check.append((check.__name__, time.perf_counter() - t0))
            statuses = {s: sum(r.status == s for r in run.results) for s in checks.STATUSES}
            print(f"monitor run: {len(run.results)} check results {statuses}, "
                  f"{len(run.probes)} probe requests")  # fmt: skip
            for name, seconds in per_check:
                print(f"  {name:<22} {seconds * 1000:>7.0f} ms")
            print(f"one monitor_health run over {days} days, 2 accounts (probe + every check + "
                  f"store + alerts): median {statistics.median(runs):.2f} s of "
                  f"{', '.join(f'{r:.2f}' for r in runs)}  [target < 5 s]")  # fmt: skip
        finally:
            stop_pair()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0, help="simulated history per account")
    parser.add_argument("--year-days", type=int, default=365, help="days of the monitor run")
    parser.add_argument("--skip-year", action="store_true", help="only the probe overhead")
    args = parser.parse_args()
    probe_overhead(args.days)
    if not args.skip_year:
        monitor_run_over_a_year(args.year_days)


if __name__ == "__main__":
    main()
