"""Non-funding ledger updates (`userNonFundingLedgerUpdates`, 500 a page) → `hyperliquid.ledger_updates`.

`usdc` is the amount as reported (unsigned), `fee` what the update charged, and `net_usdc` the
signed effect on the *perp* account value, which reconciliation adds to the PnL:

| delta.type            | net_usdc                                                             |
|-----------------------|----------------------------------------------------------------------|
| deposit               | + usdc                                                               |
| withdraw              | − usdc: the amount debited; the $1 fee is taken out of it (the user  |
|                       |   receives usdc − fee), so it is not subtracted twice                |
| internalTransfer      | + usdc if destination is the account, − (usdc + fee) if it sent it   |
| subAccountTransfer    | + usdc if destination is the account, − usdc if it sent it           |
| accountClassTransfer  | + usdc if toPerp, − usdc otherwise (perp ↔ spot of the same user)    |
| send                  | like internalTransfer, but only the leg on the perp dex ("" dex) counts |
| vaultDeposit          | − usdc                                                               |
| vaultCreate           | − (usdc + fee)                                                       |
| vaultWithdraw         | + netWithdrawnUsd                                                    |
| vaultDistribution     | + usdc                                                               |
| vaultLeaderCommission | + usdc                                                               |
| spotTransfer          | 0 (moves spot tokens, not the perp balance)                          |
| liquidation           | 0 (the loss is already in the liquidation fills' closedPnl)          |
| rewardsClaim, other   | 0 (not a perp-balance flow we know of; stored with its type so a     |
|                       |    reconciliation residual can be traced to it)                      |

`counterparty` is the other address of a transfer (or the vault). The raw delta is kept in full.
"""

from __future__ import annotations

from maicro.ingest import records as r

DATA_TYPE = "ledger"
TABLE = "hyperliquid.ledger_updates"
COLUMNS = ("account", "time", "hash", "type", "usdc", "fee", "net_usdc", "counterparty", "delta")
TIME_COLUMN = 1

PERP_DEX = ""


def _amount(delta: dict) -> float:
    for name in ("usdc", "usdcValue", "amount", "netWithdrawnUsd", "requestedUsd"):
        if delta.get(name) is not None:
            return abs(r.number(delta[name], name))
    return 0.0


def _lower(value) -> str | None:
    return value.lower() if isinstance(value, str) else None


def signed_effect(delta: dict, account: str) -> tuple[float, float, float, str | None]:
    """(usdc, fee, net_usdc, counterparty) of one delta for `account` (rules in the module doc)."""
    kind = delta["type"]
    fee = abs(r.opt_number(delta, "fee", 0.0))
    user, destination = _lower(delta.get("user")), _lower(delta.get("destination"))
    incoming = destination == account and user != account
    other = user if incoming else destination
    if kind == "deposit":
        usdc = r.req_number(delta, "usdc")
        return usdc, fee, usdc, None
    if kind == "withdraw":
        usdc = r.req_number(delta, "usdc")
        return usdc, fee, -usdc, None
    if kind in ("internalTransfer", "subAccountTransfer"):
        usdc = r.req_number(delta, "usdc")
        if user is None and destination is None:
            raise r.BadRecord(f"{kind} names neither user nor destination")
        return usdc, fee, (usdc if incoming else -(usdc + fee)), other
    if kind == "accountClassTransfer":
        usdc = r.req_number(delta, "usdc")
        return usdc, fee, usdc if r.boolean(delta, "toPerp") else -usdc, None
    if kind == "send":
        usdc = _amount(delta)
        if incoming:
            net = usdc if delta.get("destinationDex", PERP_DEX) == PERP_DEX else 0.0
        else:
            net = -(usdc + fee) if delta.get("sourceDex", PERP_DEX) == PERP_DEX else 0.0
        return usdc, fee, net, other
    if kind in ("vaultDeposit", "vaultCreate"):
        usdc = r.req_number(delta, "usdc")
        return usdc, fee, -(usdc + fee), _lower(delta.get("vault"))
    if kind == "vaultWithdraw":
        usdc = r.number(delta.get("netWithdrawnUsd", delta.get("usdc")), "netWithdrawnUsd")
        return usdc, fee, usdc, _lower(delta.get("vault"))
    if kind in ("vaultDistribution", "vaultLeaderCommission"):
        usdc = r.req_number(delta, "usdc")
        return usdc, fee, usdc, _lower(delta.get("vault"))
    return _amount(delta), fee, 0.0, other


def parse(rec: dict, account: str) -> tuple:
    delta = r.obj(rec, "delta")
    kind = r.text(delta, "type")
    usdc, fee, net, counterparty = signed_effect({**delta, "type": kind}, account)
    return (
        account,
        r.millis(rec, "time"),
        r.text(rec, "hash"),
        kind,
        usdc,
        fee,
        net,
        counterparty,
        r.raw_json(delta),
    )


def fetch(client, account: str, window) -> list[dict]:
    return client.user_ledger(account, window.start_ms, window.end_ms)
