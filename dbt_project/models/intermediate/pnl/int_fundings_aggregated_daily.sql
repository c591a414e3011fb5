{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(day)',
    order_by='(account, coin, day)',
) }}
-- Funding per (account, day, coin): Σ usdc, positive = received.
select
    account,
    day,
    coin,
    sum(usdc) as funding,
    toUInt64(count()) as n_payments,
    max(ingested_at) as max_ingested_at
from {{ ref('stg_hyperliquid__fundings') }}
{% if is_incremental() %}
where {{ affected_months(ref('stg_hyperliquid__fundings'), 'day') }}
{% endif %}
group by account, day, coin
