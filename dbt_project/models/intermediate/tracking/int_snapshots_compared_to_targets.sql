{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(snapshot_at)',
    order_by='(strategy, account, snapshot_at)',
) }}
-- One row per (strategy, account, snapshot_at): the snapshot's positions compared with the latest
-- target set at or before it, as parallel arrays over the union of the coins held (first, in
-- their snapshot order) and the coins targeted but not held (after them; szi 0, no mark);
-- the missing side has weight 0. The per-snapshot tracking-error terms are computed here on
-- those arrays, so that the daily mart reads one row per snapshot instead of one per coin.
--   actual_weight = szi * markPx / accountValue (0 if accountValue <= 0)
--   weight_diff = target_weight - actual_weight
--   l1 = Σ|weight_diff|, rms = sqrt(mean(weight_diff²)), max_abs_diff and its coin (the first
--   coin reaching it).
-- Snapshots comparing no coin (nothing held, no target set yet) have no row.
-- Joins and groups use numeric keys (cityHash64 of the account, strategy and coin): ClickHouse
-- hashes (UInt64, DateTime64) about twice as fast as (LowCardinality(String), DateTime64).
-- Incremental: the months of macro tracking_months().
-- depends_on: {{ ref('stg_hyperliquid__account_snapshots') }}
{% if is_incremental() %}
{% set months = tracking_months() %}
{% endif %}
with matched as (
    select account, snapshot_at, account_value, strategy, target_set_at, ingested_at,
           set_ingested_at, cityHash64(account) as account_key
    from {{ ref('int_snapshots_matched_to_targets') }}
    {% if is_incremental() %}
    where toYYYYMM(snapshot_at) in {{ months }}
    {% endif %}
),
held as (
    -- each snapshot's open positions as parallel arrays
    select cityHash64(account) as account_key, snapshot_at,
           groupArray(coin) as coins, groupArray(cityHash64(coin)) as coin_keys,
           groupArray(szi) as szis, groupArray(mark_px) as marks, max(ingested_at) as ingested_at
    from {{ ref('stg_hyperliquid__position_snapshots') }}
    where szi != 0
    {% if is_incremental() %}
      and toYYYYMM(snapshot_at) in {{ months }}
    {% endif %}
    group by account_key, snapshot_at
),
sets as (
    -- each target set as parallel arrays
    select strategy, targeted_at,
           groupArray(coin) as coins, groupArray(cityHash64(coin)) as coin_keys,
           groupArray(target_weight) as weights
    from {{ ref('stg_maicro_logs__target_weights') }}
    group by strategy, targeted_at
),
joined as (
    select
        m.strategy as strategy, m.account as account, m.snapshot_at as snapshot_at,
        m.account_value as account_value, m.target_set_at as target_set_at,
        greatest(m.ingested_at, h.ingested_at,
                 if(t.targeted_at = m.target_set_at, m.set_ingested_at, toDateTime64(0, 3, 'UTC')))
            as max_ingested_at,
        h.coins as held_coins, h.coin_keys as held_keys, h.szis as held_szis, h.marks as held_marks,
        t.coins as set_coins, t.coin_keys as set_keys, t.weights as set_weights,
        arrayMap(k -> not has(held_keys, k), set_keys) as set_not_held
    from matched as m
    left join held as h on m.account_key = h.account_key and m.snapshot_at = h.snapshot_at
    left join sets as t on m.strategy = t.strategy and m.target_set_at = t.targeted_at
),
compared as (
    select
        snapshot_at, strategy, account, account_value, target_set_at, max_ingested_at,
        toUInt32(length(held_coins)) as n_held,
        arrayConcat(held_coins, arrayFilter((c, x) -> x, set_coins, set_not_held)) as coins,
        arrayConcat(arrayMap(k -> set_weights[indexOf(set_keys, k)], held_keys),
                    arrayFilter((w, x) -> x, set_weights, set_not_held)) as target_weights,
        arrayResize(held_szis, length(coins), 0.) as szis,
        arrayResize(held_marks, length(coins), 0.) as mark_pxs,
        arrayMap((s, p) -> if(account_value > 0, s * p / account_value, 0.), szis, mark_pxs)
            as actual_weights,
        arrayMap((t, a) -> t - a, target_weights, actual_weights) as weight_diffs
    from joined
)
select
    snapshot_at,
    toDate(snapshot_at) as day,
    strategy,
    account,
    account_value,
    if(target_set_at > toDateTime64(0, 3, 'UTC'), toNullable(target_set_at), null) as target_set_at,
    coins,
    n_held,
    target_weights,
    actual_weights,
    weight_diffs,
    szis,
    mark_pxs,
    arraySum(x -> abs(x), weight_diffs) as l1,
    sqrt(arrayAvg(x -> x * x, weight_diffs)) as rms,
    arrayMax(x -> abs(x), weight_diffs) as max_abs_diff,
    coins[arrayFirstIndex(x -> abs(x) = max_abs_diff, weight_diffs)] as max_abs_diff_coin,
    max_ingested_at
from compared
where length(coins) > 0
