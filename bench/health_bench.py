"""Health benchmark, part 1: the data-feed probe's own API weight per minute, against the exchange's
1200/min per-IP budget (target: <= 5% per endpoint).

The weight is what the simulator's rate limiter charges (base weight when a request arrives, the
per-item surcharge after it answers: the exchange's published rules), summed over one full cycle
of the probe's rotating heavy request, one round per simulated minute.

Not measured here yet: one `monitor_health` run over a year of data for 2 accounts (< 5 s).

    .venv/bin/python bench/health_bench.py [--days 7]
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0, help="simulated history per account")
    args = parser.parse_args()

    from maicro.health import probe
    from maicro.hyperliquid.simulator import SimConfig, start_simulator
    from maicro.hyperliquid.weights import EXCHANGE_LIMIT_PER_MINUTE

    now = int(time.time() * 1000)
    config = SimConfig(seed=1, n_accounts=2, days=args.days, now_ms=now, speed=1.0)
    with start_simulator(config) as handle:
        os.environ["HYPERLIQUID_API_URL"] = handle.url
        os.environ["MAICRO_ACCOUNTS"] = ",".join(f"{a}={s}" for a, s in handle.sim.accounts)
        os.environ["MAICRO_HL_WEIGHT_PER_MINUTE"] = "0"
        limiter = handle.rate_limiter
        spent = [0]
        acquire, charge = limiter.try_acquire, limiter.charge

        def counting_acquire(ip: str, weight: int) -> bool:
            spent[0] += weight
            return acquire(ip, weight)

        def counting_charge(ip: str, weight: int) -> None:
            spent[0] += weight
            charge(ip, weight)

        limiter.try_acquire = counting_acquire  # type: ignore[method-assign]
        limiter.charge = counting_charge  # type: ignore[method-assign]

        per_round = []
        started = time.perf_counter()
        for minute in range(len(probe.ROTATING)):
            before = spent[0]
            round_ = probe.probe_endpoint(handle.url, now_ms=now + minute * 60_000)
            failed = [p.request_type for p in round_ if not p.ok]
            assert not failed, f"probe requests failed: {failed}"
            per_round.append((round_[-1].request_type, spent[0] - before))
        elapsed = time.perf_counter() - started

    budget = EXCHANGE_LIMIT_PER_MINUTE
    mean = sum(w for _, w in per_round) / len(per_round)
    worst = max(w for _, w in per_round)
    for request_type, weight in per_round:
        print(f"round with {request_type:<28} weight {weight:>4}")
    print(f"probe weight per minute per endpoint: mean {mean:.1f}, max {worst}")
    print(f"share of the {budget}/min budget: mean {mean / budget:.2%}, max {worst / budget:.2%}")
    print(f"with a secondary endpoint (same IP): mean {2 * mean / budget:.2%}")
    print(f"probe rounds: {elapsed / len(per_round) * 1000:.0f} ms each (simulator, loopback)")


if __name__ == "__main__":
    main()
