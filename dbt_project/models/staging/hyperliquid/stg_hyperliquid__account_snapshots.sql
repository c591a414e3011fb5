-- One row per account snapshot (clearinghouseState), deduplicated.
select
    account,
    snapshot_at,
    toDate(snapshot_at) as day,
    account_value,
    total_ntl_pos,
    total_margin_used,
    withdrawable,
    n_positions,
    ingested_at
from {{ source('hyperliquid', 'account_snapshots') }} final
