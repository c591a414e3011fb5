-- One row per (account, coin, snapshot) open position, deduplicated. A coin absent from a
-- snapshot had no position at that time.
select
    account,
    snapshot_at,
    toDate(snapshot_at) as day,
    coin,
    szi,
    entry_px,
    mark_px,
    position_value,
    unrealized_pnl,
    liquidation_px,
    ingested_at
from {{ source('hyperliquid', 'position_snapshots') }} final
