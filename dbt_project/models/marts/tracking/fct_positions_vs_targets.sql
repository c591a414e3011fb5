{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(snapshot_at)',
    order_by='(strategy, account, snapshot_at, coin)',
) }}
-- Actual vs target weights at every account snapshot, one row per (snapshot_at, strategy,
-- account, coin) over the union of the coins held at the snapshot and the coins of the latest
-- target set at or before it (as-of join); the missing side has weight 0: the per-coin view of
-- int_snapshots_compared_to_targets, which computes every number.
-- actual_weight = szi * markPx / accountValue; target_notional = target_weight * accountValue.
-- mark_px is the position's mark (NULL for a coin targeted but not held).
-- Incremental: the months of macro tracking_months().
-- depends_on: {{ ref('stg_hyperliquid__account_snapshots') }}
-- depends_on: {{ ref('stg_maicro_logs__target_weights') }}
-- depends_on: {{ ref('stg_maicro_logs__account_strategies') }}
select
    snapshot_at,
    day,
    strategy,
    account,
    coin,
    target_weight,
    actual_weight,
    weight_diff,
    target_weight * account_value as target_notional,
    szi * mark_px as actual_notional,
    if(i <= n_held, toNullable(mark_px), null) as mark_px,
    szi,
    account_value,
    target_set_at,
    max_ingested_at
from {{ ref('int_snapshots_compared_to_targets') }}
array join
    coins as coin,
    target_weights as target_weight,
    actual_weights as actual_weight,
    weight_diffs as weight_diff,
    szis as szi,
    mark_pxs as mark_px,
    arrayEnumerate(coins) as i
{% if is_incremental() %}
where toYYYYMM(snapshot_at) in {{ tracking_months() }}
{% endif %}
