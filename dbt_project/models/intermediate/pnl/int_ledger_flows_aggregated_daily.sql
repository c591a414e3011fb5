{{ config(engine='MergeTree()', order_by='(account, day)') }}
-- Money in and out of the perp account per (account, day), from the non-funding ledger.
-- deposits = every inflow, withdrawals = every outflow (withdraw fees included), whatever the
-- ledger type (transfers, vault flows, ...), so that net_flows = deposits - withdrawals.
select
    account,
    day,
    sum(inflow_usd) as deposits,
    sum(outflow_usd) as withdrawals,
    sum(net_usdc) as net_flows
from {{ ref('stg_hyperliquid__ledger_updates') }}
group by account, day
