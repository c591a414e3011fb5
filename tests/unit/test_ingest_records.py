"""Parsers turn documented /info records into rows, and reject what a person would reject."""

from __future__ import annotations

import pytest
from maicro.ingest import candles, fills, funding, ledger, orders, snapshots
from maicro.ingest import records as r

ACCOUNT = "0x" + "ab" * 20
T = 1_746_000_000_000


def fill(**over):
    rec = {
        "coin": "BTC",
        "px": "95000.5",
        "sz": "0.01",
        "side": "B",
        "time": T,
        "startPosition": "-0.02",
        "dir": "Close Short",
        "closedPnl": "12.5",
        "hash": "0xabc",
        "oid": 77,
        "crossed": True,
        "fee": "-0.0123",
        "feeToken": "USDC",
        "tid": 123456789,
    }
    rec.update(over)
    return {k: v for k, v in rec.items() if v is not _DROP}


_DROP = object()


def test_fill_row_keeps_signs_and_fields():
    row = dict(zip(fills.COLUMNS, fills.parse(fill(), ACCOUNT)))
    assert row["account"] == ACCOUNT and row["time"] == T and row["tid"] == 123456789
    assert row["px"] == 95000.5 and row["sz"] == 0.01 and row["side"] == "B"
    assert row["fee"] == -0.0123  # a rebate stays negative
    assert row["closed_pnl"] == 12.5 and row["start_position"] == -0.02
    assert row["crossed"] is True and row["builder_fee"] is None and row["liquidation"] is None


def test_exotic_coins_and_unknown_fields_are_fine():
    for coin in ("xyz:XYZ100", "@107"):
        row = fills.parse(fill(coin=coin, simUnknownField="x"), ACCOUNT)
        assert row[2] == coin


@pytest.mark.parametrize(
    "bad, reason",
    [
        (fill(px="abc"), "non-numeric px"),
        (fill(side="X"), "unknown side"),
        (fill(tid=_DROP), "missing required field tid"),
        (fill(time=1_746_000_000), "not a plausible epoch-millisecond"),
        (fill(sz="0"), "sz must be > 0"),
        (fill(px="nan"), "non-finite px"),
    ],
)
def test_bad_fills_are_quarantined_with_a_reason(bad, reason):
    parsed = r.parse_all(
        [fill(), bad, "not a dict"], fills.parse, data_type="fills", account=ACCOUNT, source="test"
    )
    assert len(parsed.rows) == 1
    assert len(parsed.quarantined) == 2
    assert reason in parsed.quarantined[0].reason
    assert parsed.quarantined[0].raw == r.raw_json(bad)


def test_funding_row():
    rec = {
        "time": T,
        "hash": "0x0",
        "delta": {
            "type": "funding",
            "coin": "ETH",
            "usdc": "-1.25",
            "szi": "3.0",
            "fundingRate": "0.0000125",
            "nSamples": None,
        },
    }
    row = dict(zip(funding.COLUMNS, funding.parse(rec, ACCOUNT)))
    assert row["usdc"] == -1.25 and row["szi"] == 3.0 and row["funding_rate"] == 0.0000125
    with pytest.raises(r.BadRecord, match="expected 'funding'"):
        funding.parse({**rec, "delta": {**rec["delta"], "type": "deposit"}}, ACCOUNT)


OTHER = "0x" + "cd" * 20


@pytest.mark.parametrize(
    "delta, net",
    [
        ({"type": "deposit", "usdc": "1000"}, 1000.0),
        ({"type": "withdraw", "usdc": "500", "nonce": 1, "fee": "1"}, -500.0),  # fee inside usdc
        (
            {
                "type": "internalTransfer",
                "usdc": "200",
                "user": ACCOUNT,
                "destination": OTHER,
                "fee": "1",
            },
            -201.0,
        ),
        (
            {
                "type": "internalTransfer",
                "usdc": "200",
                "user": OTHER,
                "destination": ACCOUNT,
                "fee": "1",
            },
            200.0,
        ),
        (
            {"type": "subAccountTransfer", "usdc": "50", "user": ACCOUNT, "destination": OTHER},
            -50.0,
        ),
        ({"type": "accountClassTransfer", "usdc": "30", "toPerp": True}, 30.0),
        ({"type": "accountClassTransfer", "usdc": "30", "toPerp": False}, -30.0),
        ({"type": "vaultDeposit", "vault": OTHER, "usdc": "10"}, -10.0),
        (
            {
                "type": "vaultWithdraw",
                "vault": OTHER,
                "user": ACCOUNT,
                "requestedUsd": "10",
                "netWithdrawnUsd": "9.5",
                "commission": "0.5",
                "closingCost": "0",
                "basis": "10",
            },
            9.5,
        ),
        (
            {
                "type": "spotTransfer",
                "token": "PURR",
                "amount": "5",
                "usdcValue": "5",
                "user": ACCOUNT,
                "destination": OTHER,
                "fee": "0",
            },
            0.0,
        ),
        ({"type": "rewardsClaim", "amount": "3"}, 0.0),
    ],
)
def test_ledger_net_usdc_rule_per_type(delta, net):
    row = dict(
        zip(ledger.COLUMNS, ledger.parse({"time": T, "hash": "0x1", "delta": delta}, ACCOUNT))
    )
    assert row["net_usdc"] == pytest.approx(net)
    assert row["type"] == delta["type"] and row["usdc"] >= 0


def test_order_status_row():
    rec = {
        "order": {
            "coin": "SOL",
            "side": "A",
            "limitPx": "180.1",
            "sz": "0.0",
            "oid": 9,
            "timestamp": T - 5000,
            "triggerCondition": "N/A",
            "isTrigger": False,
            "triggerPx": "0.0",
            "children": [],
            "isPositionTpsl": False,
            "reduceOnly": False,
            "orderType": "Limit",
            "origSz": "2.5",
            "tif": "Gtc",
            "cloid": None,
        },
        "status": "filled",
        "statusTimestamp": T,
    }
    row = dict(zip(orders.COLUMNS, orders.parse(rec, ACCOUNT)))
    assert row["oid"] == 9 and row["status"] == "filled" and row["status_timestamp"] == T
    assert row["order_timestamp"] == T - 5000 and row["orig_sz"] == 2.5 and row["sz"] == 0.0


def test_candle_row():
    rec = {
        "t": T,
        "T": T + 59_999,
        "s": "BTC",
        "i": "1m",
        "o": "1",
        "c": "2",
        "h": "3",
        "l": "0.5",
        "v": "10",
        "n": 4,
    }
    assert candles.parse(rec) == ("BTC", "1m", T, T + 59_999, 1.0, 3.0, 0.5, 2.0, 10.0, 4)


def test_clearinghouse_state_rows():
    state = {
        "marginSummary": {
            "accountValue": "1000",
            "totalNtlPos": "500",
            "totalRawUsd": "1500",
            "totalMarginUsed": "50",
        },
        "crossMarginSummary": {
            "accountValue": "1000",
            "totalNtlPos": "500",
            "totalRawUsd": "1500",
            "totalMarginUsed": "50",
        },
        "crossMaintenanceMarginUsed": "10",
        "withdrawable": "950",
        "time": T,
        "assetPositions": [
            {
                "type": "oneWay",
                "position": {
                    "coin": "ETH",
                    "szi": "-2",
                    "entryPx": "3000",
                    "positionValue": "6200",
                    "unrealizedPnl": "-200",
                    "returnOnEquity": "-0.1",
                    "liquidationPx": None,
                    "marginUsed": "620",
                    "maxLeverage": 25,
                    "leverage": {"type": "cross", "value": 10},
                    "cumFunding": {"allTime": "1", "sinceOpen": "0.5", "sinceChange": "0.2"},
                },
            }
        ],
    }
    account = dict(zip(snapshots.ACCOUNT_COLUMNS, snapshots.parse_account(state, ACCOUNT)))
    assert account["snapshot_at"] == T and account["account_value"] == 1000.0
    assert account["n_positions"] == 1
    pos = dict(
        zip(
            snapshots.POSITION_COLUMNS,
            snapshots.parse_position(state["assetPositions"][0], ACCOUNT, T),
        )
    )
    assert pos["szi"] == -2.0 and pos["mark_px"] == 3100.0 and pos["liquidation_px"] is None
    assert (account["position_coins"], account["position_szis"]) == ([], [])


def test_account_snapshot_carries_its_open_positions_as_arrays():
    account_row = snapshots.parse_account(
        {
            "time": T,
            "marginSummary": {
                "accountValue": "1000",
                "totalNtlPos": "0",
                "totalRawUsd": "0",
                "totalMarginUsed": "0",
            },
        },
        ACCOUNT,
    )
    columns = snapshots.POSITION_COLUMNS

    def position(coin, szi, mark):
        row = dict.fromkeys(columns, 0.0) | {
            "account": ACCOUNT,
            "snapshot_at": T,
            "coin": coin,
            "szi": szi,
            "mark_px": mark,
        }
        return tuple(row[c] for c in columns)

    row = dict(
        zip(
            snapshots.ACCOUNT_COLUMNS,
            snapshots.with_positions(
                account_row,
                [
                    position("ETH", -2.0, 3100.0),
                    position("XRP", 0.0, 2.0),
                    position("BTC", 0.5, 95000.0),
                ],
            ),
        )
    )
    # served order kept; a listed position of size 0 is no open position
    assert row["position_coins"] == ["ETH", "BTC"]
    assert row["position_szis"] == [-2.0, 0.5] and row["position_mark_pxs"] == [3100.0, 95000.0]
    assert row["account_value"] == 1000.0 and len(row) == len(snapshots.ACCOUNT_COLUMNS)


def test_asset_contexts_pair_universe_with_ctxs():
    answer = [
        {"universe": [{"name": "BTC", "szDecimals": 5, "maxLeverage": 40}]},
        [
            {
                "funding": "0.0000125",
                "openInterest": "10",
                "prevDayPx": "1",
                "dayNtlVlm": "2",
                "premium": None,
                "oraclePx": "95000",
                "markPx": "95001",
                "midPx": "95000.5",
                "impactPxs": ["94999", "95002"],
                "dayBaseVlm": "3",
            }
        ],
    ]
    (rec,) = snapshots.context_records(answer)
    row = dict(zip(snapshots.CONTEXT_COLUMNS, snapshots.parse_context(rec, T)))
    assert row["coin"] == "BTC" and row["mark_px"] == 95001.0 and row["impact_ask_px"] == 95002.0
    assert row["sz_decimals"] == 5 and row["premium"] is None


def test_live_window_check():
    from maicro.ingest.window import Window

    w = Window(T - 60_000, T)
    assert snapshots.is_live(w, T + 3_000, 300_000)
    assert not snapshots.is_live(w, T + 3_600_000, 300_000)


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"builderFee": "0.01"},
        {"twapId": 5},
        {"cloid": "0x1"},
        {"liquidation": {"liquidatedUser": ACCOUNT, "markPx": "1", "method": "market"}},
        {"px": 95000.5},
        {"time": str(T)},
        {"crossed": "yes"},
        {"fee": "inf"},
        {"sz": "-1"},
        {"coin": " "},
        {"hash": None},
        {"dir": 3},
    ],
)
def test_fast_and_checked_paths_agree(variant):
    """The fast path for well-formed fills accepts and produces exactly what the checks do."""
    rec = fill(**variant)
    try:
        checked = fills._parse_checked(rec, ACCOUNT)
    except r.BadRecord as exc:
        with pytest.raises(r.BadRecord, match=str(exc)[:20].replace("(", r"\(")):
            fills.parse(rec, ACCOUNT)
        return
    assert fills.parse(rec, ACCOUNT) == checked


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"n": None},
        {"n": "4"},
        {"o": "0"},
        {"v": "nan"},
        {"t": 5},
        {"s": ""},
        {"c": "x"},
    ],
)
def test_candle_fast_and_checked_paths_agree(variant):
    rec = {
        "t": T,
        "T": T + 59_999,
        "s": "BTC",
        "i": "1m",
        "o": "1",
        "c": "2",
        "h": "3",
        "l": "0.5",
        "v": "10",
        "n": 4,
        **variant,
    }
    try:
        checked = candles._parse_checked(rec)
    except r.BadRecord:
        with pytest.raises(r.BadRecord):
            candles.parse(rec)
        return
    assert candles.parse(rec) == checked
