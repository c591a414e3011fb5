"""A built-in Hyperliquid: a simulated fund behind a loopback server speaking the /info protocol.

    from maicro.hyperliquid.simulator import SimConfig, Simulator, start_simulator
    with start_simulator(SimConfig(seed=7, now_ms=...)) as handle:
        Info(base_url=handle.url, skip_ws=True) ...
        handle.sim.ground_truth_daily(start_ms, end_ms)   # what the pipeline must reproduce

Modules: config (knobs), clock, decimals (exact numbers), market (prices, funding, candles),
strategies (target weights), book (position accounting), trader (one account's days),
model (`Simulator`, ground truth), render/info (API shapes), ratelimit, faults, server, cli.
"""

from .config import SimConfig
from .model import AccountState, Position, Simulator
from .server import SimHandle, start_simulator

__all__ = ["SimConfig", "Simulator", "SimHandle", "start_simulator", "AccountState", "Position"]
