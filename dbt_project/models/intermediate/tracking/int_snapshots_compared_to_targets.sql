{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(snapshot_at)',
    order_by='(strategy, account, snapshot_at)',
) }}
-- One row per (strategy, account, snapshot_at) of an account with a strategy: the snapshot's
-- open positions compared with the latest target set at or before it (as-of join) of the
-- strategy the account ran at that time (as-of join on its strategy history), as parallel
-- arrays over the union of the coins held (first, in the order served) and the coins targeted
-- but not held (after them, in the set's order; szi 0, no mark); the missing side has weight 0. The per-snapshot tracking-error terms are computed here on those arrays,
-- so that the daily mart reads one row per snapshot instead of one per coin.
--   actual_weight = szi * markPx / accountValue (0 if accountValue <= 0)
--   weight_diff = target_weight - actual_weight
--   l1 = Σ|weight_diff|, rms = sqrt(mean(weight_diff²)), max_abs_diff and its coin (the first
--   coin reaching it).
-- Snapshots comparing no coin (nothing held, no target set yet) have no row.
-- The positions come with the account snapshot (its position arrays), so nothing is regrouped
-- or joined per position.
-- Incremental: the months of macro tracking_months().
-- depends_on: {{ ref('stg_maicro_logs__target_weights') }}
{% if is_incremental() %}
{% set months = tracking_months() %}
{% endif %}
with snapshots as (
    -- the position arrays hold the open positions (szi != 0) only
    select account, snapshot_at, account_value, ingested_at,
           position_coins as held_coins, position_szis as held_szis,
           position_mark_pxs as held_mark_pxs
    from {{ ref('stg_hyperliquid__account_snapshots') }}
    {% if is_incremental() %}
    where toYYYYMM(snapshot_at) in {{ months }}
    {% endif %}
),
matched as (
    select
        a.snapshot_at as snapshot_at, s.strategy as strategy, a.account as account,
        a.account_value as account_value, a.held_coins as held_coins, a.held_szis as held_szis,
        a.held_mark_pxs as held_mark_pxs,
        t.targeted_at as target_set_at, t.coins as set_coins, t.target_weights as set_weights,
        greatest(a.ingested_at, s.ingested_at, t.max_ingested_at) as max_ingested_at
    from snapshots as a
    asof inner join {{ ref('stg_maicro_logs__account_strategies') }} as s
        on a.account = s.account and a.snapshot_at >= s.valid_from
    asof left join {{ ref('int_target_sets_listed') }} as t
        on s.strategy = t.strategy and a.snapshot_at >= t.targeted_at
),
compared as (
    -- whole-array arithmetic and norms (L1Norm = Σ|x|, L2SquaredNorm = Σx², LinfNorm = max|x|)
    -- wherever no per-coin lookup is needed: several times faster than lambdas
    select
        snapshot_at, strategy, account, account_value, target_set_at, max_ingested_at,
        toUInt32(length(held_coins)) as n_held,
        arrayConcat(held_coins, arrayExcept(set_coins, held_coins)) as coins,
        length(coins) as n_coins,
        arrayMap(c -> set_weights[indexOf(set_coins, c)], coins) as target_weights,
        arrayResize(held_szis, n_coins, 0.) as szis,
        arrayResize(held_mark_pxs, n_coins, 0.) as mark_pxs,
        -- x / inf = 0: no weight without a positive account value
        arrayMap((s, p) -> s * p, szis, mark_pxs) / if(account_value > 0, account_value, inf)
            as actual_weights,
        target_weights - actual_weights as weight_diffs,
        LinfNorm(weight_diffs) as max_abs_diff,
        -- the first coin reaching max_abs_diff, whichever its sign
        indexOf(weight_diffs, max_abs_diff) as first_above,
        indexOf(weight_diffs, -max_abs_diff) as first_below
    from matched
)
select
    snapshot_at,
    toDate(snapshot_at) as day,
    strategy,
    account,
    account_value,
    if(target_set_at > toDateTime64(0, 3, 'UTC'), toNullable(target_set_at), null) as target_set_at,
    CAST(coins, 'Array(LowCardinality(String))') as coins,
    n_held,
    target_weights,
    actual_weights,
    weight_diffs,
    szis,
    mark_pxs,
    L1Norm(weight_diffs) as l1,
    sqrt(L2SquaredNorm(weight_diffs) / n_coins) as rms,
    max_abs_diff,
    toLowCardinality(coins[if(first_above = 0 or (first_below > 0 and first_below < first_above),
                              first_below, first_above)]) as max_abs_diff_coin,
    max_ingested_at
from compared
where n_coins > 0
