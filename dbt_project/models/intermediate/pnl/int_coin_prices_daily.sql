{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(day)',
    order_by='(coin, day)',
) }}
-- The close of each coin's last 1m candle of the day: the price that values derived
-- end-of-day positions and defines a coin's daily return.
select
    coin,
    day,
    max(open_time) as last_candle_at,
    argMax(close, open_time) as close_px,
    max(ingested_at) as max_ingested_at
from {{ ref('stg_hyperliquid__candles') }}
{% if is_incremental() %}
where {{ affected_months(ref('stg_hyperliquid__candles'), 'day') }}
{% endif %}
group by coin, day
