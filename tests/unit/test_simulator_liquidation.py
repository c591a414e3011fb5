"""The simulator reports each position's liquidation price as Hyperliquid's cross margin defines
it: the price at which, the other positions held still, the account value falls to the
maintenance margin (half the initial margin). Checked by re-pricing the account at that price,
not by repeating the formula."""

from __future__ import annotations

from maicro.hyperliquid.simulator import SimConfig, Simulator
from maicro.hyperliquid.simulator.info import InfoApi

NOW = 1_764_028_800_000 + 3 * 86_400_000 + 5 * 3_600_000


def test_at_the_liquidation_price_the_account_value_equals_the_maintenance_margin():
    sim = Simulator(SimConfig(seed=16, now_ms=NOW, days=3))
    api = InfoApi(sim)
    checked = 0
    for address, _strategy in sim.accounts:
        state, _ = api.handle({"type": "clearinghouseState", "user": address})
        account_value = float(state["marginSummary"]["accountValue"])
        maintenance = float(state["crossMaintenanceMarginUsed"])
        for item in state["assetPositions"]:
            pos = item["position"]
            szi, value = float(pos["szi"]), float(pos["positionValue"])
            mark, leverage = value / abs(szi), pos["leverage"]["value"]
            if pos["liquidationPx"] is None:
                # Only a long can be safe at every price: even at zero it keeps enough value.
                assert szi > 0
                assert account_value - szi * mark >= maintenance - value / (2 * leverage) - 0.01
                continue
            liq = float(pos["liquidationPx"])
            assert (liq < mark) if szi > 0 else (liq > mark)
            value_at_liq = account_value + szi * (liq - mark)
            maintenance_at_liq = maintenance + abs(szi) * (liq - mark) / (2 * leverage)
            # liquidationPx has 6 decimals: a 1e-6 price step moves the value by |szi| · 1e-6.
            tolerance = 0.05 + abs(szi) * 1e-6
            assert abs(value_at_liq - maintenance_at_liq) < tolerance, (pos["coin"], liq)
            checked += 1
    assert checked >= 3
