{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(day)',
    order_by='(account, coin, day)',
) }}
-- Fills per (account, day, coin): realized PnL gross (Σ closedPnl), fees (Σ fee, signed:
-- rebates are negative and reduce the total, never abs()), volume and count.
select
    account,
    day,
    coin,
    sum(closed_pnl) as realized_pnl_gross,
    sum(fee) as fees,
    sum(notional_usd) as volume_usd,
    sumIf(notional_usd, not is_taker) as maker_volume_usd,
    toUInt64(count()) as n_fills,
    max(ingested_at) as max_ingested_at
from {{ ref('stg_hyperliquid__fills') }}
{% if is_incremental() %}
where {{ affected_months(ref('stg_hyperliquid__fills'), 'day') }}
{% endif %}
group by account, day, coin
