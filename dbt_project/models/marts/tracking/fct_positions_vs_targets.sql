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
held as (
    -- the open positions of each snapshot as parallel arrays (coin, szi, mark, ingested_at)
    select account, snapshot_at,
           groupArray(coin) as coins, groupArray(szi) as szis, groupArray(mark_px) as marks,
           groupArray(ingested_at) as ingested
    from {{ ref('stg_hyperliquid__position_snapshots') }}
    where szi != 0
    {% if is_incremental() %}
      and toYYYYMM(snapshot_at) in (select distinct toYYYYMM(snapshot_at) from matched)
    {% endif %}
    group by account, snapshot_at
),
sets as (
    -- each target set as parallel arrays (coin, weight)
    select strategy, targeted_at, groupArray(coin) as coins, groupArray(target_weight) as weights
    from {{ ref('stg_maicro_logs__target_weights') }}
    group by strategy, targeted_at
),
coins as (
    -- one row per snapshot and coin of the union of held and targeted coins: two hash joins on
    -- per-snapshot / per-set arrays (~2x faster than unioning both sides and grouping ~3M rows
    -- by (account, snapshot_at, coin), then joining the snapshots back)
    select
        m.snapshot_at as snapshot_at, m.strategy as strategy, m.account as account,
        m.account_value as account_value, m.target_set_at as target_set_at,
        m.ingested_at as snapshot_ingested_at,
        coin,
        indexOf(h.coins, coin) as held_index,
        indexOf(t.coins, coin) as target_index,
        if(held_index > 0, h.szis[held_index], 0.) as szi,
        if(held_index > 0, h.marks[held_index], 0.) as held_mark_px,
        if(target_index > 0, t.weights[target_index], 0.) as target_weight,
        greatest(if(held_index > 0, h.ingested[held_index], toDateTime64(0, 3, 'UTC')),
                 if(target_index > 0, m.set_ingested_at, toDateTime64(0, 3, 'UTC'))) as coin_ingested_at
    from matched as m
    left join held as h on m.account = h.account and m.snapshot_at = h.snapshot_at
    left join sets as t on m.strategy = t.strategy and m.target_set_at = t.targeted_at
    array join arrayDistinct(arrayConcat(h.coins, t.coins)) as coin
)
select
    snapshot_at,
    toDate(snapshot_at) as day,
    strategy,
    account,
    coin,
    target_weight,
    if(account_value > 0, szi * held_mark_px / account_value, 0.) as actual_weight,
    target_weight - if(account_value > 0, szi * held_mark_px / account_value, 0.) as weight_diff,
    target_weight * account_value as target_notional,
    szi * held_mark_px as actual_notional,
    if(held_index > 0, toNullable(held_mark_px), null) as mark_px,
    szi,
    account_value,
    if(target_set_at > toDateTime64(0, 3, 'UTC'), toNullable(target_set_at), null) as target_set_at,
    greatest(snapshot_ingested_at, coin_ingested_at) as max_ingested_at
from coins
