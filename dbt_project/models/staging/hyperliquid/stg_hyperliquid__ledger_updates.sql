-- One row per non-funding ledger update. Deposits are money in, withdrawals money out; every
-- other type (transfers, vault flows, liquidations, ...) counts as a flow with the sign that
-- ingestion recorded in net_usdc (+ in, - out, fee included).
select
    account,
    time as updated_at,
    toDate(time) as day,
    hash,
    type,
    usdc,
    fee,
    net_usdc,
    if(net_usdc > 0, net_usdc, 0) as inflow_usd,
    if(net_usdc < 0, -net_usdc, 0) as outflow_usd,
    ingested_at
from {{ source('hyperliquid', 'ledger_updates') }} final
