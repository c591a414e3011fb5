{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(day)',
    order_by='(account, coin, day)',
) }}
-- Open positions at the last account snapshot of each (account, day). A coin without a row
-- here had no position at the end of a day that has snapshots (uPnL 0).
with last_snapshot as (
    select account, day, max(snapshot_at) as snapshot_at, max(ingested_at) as ingested_at
    from {{ ref('stg_hyperliquid__account_snapshots') }}
    {% if is_incremental() %}
    where {{ affected_months(ref('stg_hyperliquid__account_snapshots'), 'day') }}
       or {{ affected_months(ref('stg_hyperliquid__position_snapshots'), 'day') }}
    {% endif %}
    group by account, day
)
select
    p.account as account,
    l.day as day,
    p.coin as coin,
    p.snapshot_at as snapshot_at,
    p.szi as szi,
    p.entry_px as entry_px,
    p.mark_px as mark_px,
    p.unrealized_pnl as unrealized_pnl,
    greatest(p.ingested_at, l.ingested_at) as max_ingested_at
from {{ ref('stg_hyperliquid__position_snapshots') }} as p
inner join last_snapshot as l
    on p.account = l.account and p.snapshot_at = l.snapshot_at
where p.szi != 0
