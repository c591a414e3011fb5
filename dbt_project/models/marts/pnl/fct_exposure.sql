{{ config(engine='MergeTree()', order_by='(account, snapshot_at, coin)', partition_by='toYYYYMM(snapshot_at)') }}
-- One row per open position of every account snapshot (account, snapshot_at, coin), with the
-- snapshot's account value: exposure per coin and, summed per snapshot, gross/net exposure and
-- leverage per account. liquidation_distance = |mark − liquidation px| / mark (NULL when the
-- exchange reports no liquidation price).
select
    p.account as account,
    p.snapshot_at as snapshot_at,
    p.day as day,
    p.coin as coin,
    p.szi as szi,
    p.entry_px as entry_px,
    p.mark_px as mark_px,
    p.szi * p.mark_px as notional_usd,
    p.unrealized_pnl as unrealized_pnl,
    p.liquidation_px as liquidation_px,
    if(p.liquidation_px > 0 and p.mark_px > 0,
       toNullable(abs(p.mark_px - p.liquidation_px) / p.mark_px), null) as liquidation_distance,
    a.account_value as account_value,
    if(a.account_value != 0, p.szi * p.mark_px / a.account_value, 0) as weight
from {{ ref('stg_hyperliquid__position_snapshots') }} as p
inner join {{ ref('stg_hyperliquid__account_snapshots') }} as a
    on p.account = a.account and p.snapshot_at = a.snapshot_at
where p.szi != 0
