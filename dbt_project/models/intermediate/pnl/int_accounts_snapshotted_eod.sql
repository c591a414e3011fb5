{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(day)',
    order_by='(account, day)',
) }}
-- The last account snapshot of each (account, day): end-of-day account value.
select
    account,
    day,
    max(snapshot_at) as snapshot_at,
    argMax(account_value, snapshot_at) as account_value,
    toUInt64(count()) as n_snapshots,
    max(ingested_at) as max_ingested_at
from {{ ref('stg_hyperliquid__account_snapshots') }}
{% if is_incremental() %}
where {{ affected_months(ref('stg_hyperliquid__account_snapshots'), 'day') }}
{% endif %}
group by account, day
