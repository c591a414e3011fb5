"""The simulated history is a fixed function of its config: a refactor must not change one byte.

The fingerprint below was taken before the event tuples became dataclasses and the trader's
probabilities became `FundModel` parameters; it covers every record the simulator serves (fills,
funding, ledger incl. liquidations, orders with their statuses, candles) and the ground truth, for
a config that exercises every branch (several accounts for internal transfers, liquidations, a
partial current day). The serialization is plain sorted JSON and CSV, independent of the code
under test. If a change to the fund model is *meant* to change the history, update the value and
say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from maicro.hyperliquid.simulator import SimConfig, Simulator

NOW = int(datetime(2025, 11, 25, 13, 17, tzinfo=UTC).timestamp() * 1000)
CONFIG = SimConfig(seed=5, n_accounts=3, days=4, now_ms=NOW, liquidations=True, fills_per_day=300)
FINGERPRINT = "cd7242f9abd145d04aa68ef4bdc3c1bee93a94ef7070980dd4e8c5d7f8c6636c"


def history_fingerprint(sim: Simulator) -> str:
    digest = hashlib.sha256()
    for address in sim.addresses:
        for kind in ("fills", "funding", "ledger", "orders"):
            records = sim.records(kind, address)
            digest.update(json.dumps([kind, address, records], sort_keys=True).encode())
    for coin in sim.config.coins:
        digest.update(json.dumps(sim.records("candles", coin=coin), sort_keys=True).encode())
    digest.update(sim.ground_truth_daily().to_csv(index=False).encode())
    for address in sim.addresses:
        digest.update(repr(sim.account_state(address)).encode())
    return digest.hexdigest()


def test_the_same_seed_gives_the_same_history_as_before_the_refactor():
    assert history_fingerprint(Simulator(CONFIG)) == FINGERPRINT
