"""Health benchmark, part 1: the data-feed probe's own API weight per minute, against the exchange's
1200/min per-IP budget (target: <= 5%, primary and secondary endpoint together, in the mean and in
the heaviest minute).

The weight is what the simulator's rate limiter charges (base weight when a request arrives, the
per-item surcharge after it answers: the exchange's published rules), summed over one full cycle
of the probe's rotating heavy request over both endpoints, one round per simulated minute.

Not measured here yet: one `monitor_health` run over a year of data for 2 accounts (< 5 s).

    .venv/bin/python bench/health_bench.py [--days 7]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0, help="simulated history per account")
    args = parser.parse_args()
    probe_overhead(args.days)


if __name__ == "__main__":
    main()
