-- One row per account snapshot (clearinghouseState), deduplicated, with its open positions
-- (szi != 0) as parallel arrays (position_coins[i], position_szis[i], position_mark_pxs[i]) in
-- the order served.
select
    account,
    snapshot_at,
    toDate(snapshot_at) as day,
    account_value,
    total_ntl_pos,
    total_margin_used,
    withdrawable,
    n_positions,
    position_coins,
    position_szis,
    position_mark_pxs,
    ingested_at
from {{ source('hyperliquid', 'account_snapshots') }} final
