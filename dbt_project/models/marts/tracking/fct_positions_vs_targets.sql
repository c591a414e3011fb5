{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(snapshot_at)',
    order_by='(strategy, account, snapshot_at, coin)',
) }}
-- Actual vs target weights at every account snapshot, one row per (snapshot_at, strategy,
-- account, coin) over the union of the coins held at the snapshot and the coins of the latest
-- target set at or before it (as-of join); the missing side has weight 0.
-- actual_weight = szi * markPx / accountValue; target_notional = target_weight * accountValue.
-- mark_px is the position's mark (NULL for a coin targeted but not held).
-- Incremental: months with new snapshots, and every month from the earliest newly loaded
-- target set on (a late target set changes every later as-of match).
-- depends_on: {{ ref('stg_hyperliquid__account_snapshots') }}
-- depends_on: {{ ref('stg_maicro_logs__target_weights') }}
with matched as (
    select * from {{ ref('int_snapshots_matched_to_targets') }}
    {% if is_incremental() %}
    where {{ affected_months(ref('stg_hyperliquid__account_snapshots'), 'snapshot_at') }}
       or {{ affected_months(ref('stg_hyperliquid__position_snapshots'), 'snapshot_at') }}
       or toYYYYMM(snapshot_at) >= (
            select min(toYYYYMM(targeted_at)) from {{ ref('stg_maicro_logs__target_weights') }}
            where ingested_at >= (select max(max_ingested_at) - interval {{ var('late_arrival_lookback_hours') }} hour
                                  from {{ this }}))
    {% endif %}
),
sides as (
    -- one stream of both sides, summed per coin: no join between held and targeted coins
    select p.account as account, p.snapshot_at as snapshot_at, p.coin as coin,
           p.szi as szi, p.mark_px as mark_px, 0. as target_weight, 1 as is_held,
           p.ingested_at as ingested_at
    from {{ ref('stg_hyperliquid__position_snapshots') }} as p
    where p.szi != 0
    {% if is_incremental() %}
      and toYYYYMM(p.snapshot_at) in (select distinct toYYYYMM(snapshot_at) from matched)
    {% endif %}
    union all
    select m.account, m.snapshot_at, t.coin, 0., 0., t.target_weight, 0, m.set_ingested_at
    from matched as m
    inner join {{ ref('stg_maicro_logs__target_weights') }} as t
        on m.strategy = t.strategy and m.target_set_at = t.targeted_at
),
coins as (
    select account, snapshot_at, coin,
           sum(szi) as szi, max(mark_px) as mark_px, sum(target_weight) as target_weight,
           max(is_held) as is_held, max(ingested_at) as ingested_at
    from sides
    group by account, snapshot_at, coin
)
select
    c.snapshot_at as snapshot_at,
    toDate(c.snapshot_at) as day,
    m.strategy as strategy,
    c.account as account,
    c.coin as coin,
    c.target_weight as target_weight,
    if(m.account_value > 0, c.szi * c.mark_px / m.account_value, 0.) as actual_weight,
    c.target_weight - if(m.account_value > 0, c.szi * c.mark_px / m.account_value, 0.) as weight_diff,
    c.target_weight * m.account_value as target_notional,
    c.szi * c.mark_px as actual_notional,
    if(c.is_held = 1, toNullable(c.mark_px), null) as mark_px,
    c.szi as szi,
    m.account_value as account_value,
    if(m.target_set_at > toDateTime64(0, 3, 'UTC'), toNullable(m.target_set_at), null) as target_set_at,
    greatest(m.ingested_at, c.ingested_at) as max_ingested_at
from coins as c
inner join matched as m on c.account = m.account and c.snapshot_at = m.snapshot_at
