{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(day)',
    order_by='(account, day)',
) }}
-- The exchange's own end-of-day account value per (account, day), from its portfolio history:
-- the latest point of the perp-only windows (perpDay … perpAllTime: the perp account, which is
-- what snapshots and the PnL identity value) at most var exchange_history_max_gap_seconds before
-- the next UTC midnight, and before it. A day without such a point has no row: the exchange's
-- history does not cover it at that resolution.
select
    account,
    toDate(point_at) as day,
    max(point_at) as point_at,
    argMax(account_value, (point_at, window)) as account_value,
    max(ingested_at) as max_ingested_at
from {{ ref('stg_hyperliquid__portfolio_history') }}
where is_perp
  and point_at >= toDateTime64(toDate(point_at) + 1, 3, 'UTC')
                  - toIntervalSecond({{ var('exchange_history_max_gap_seconds') }})
{% if is_incremental() %}
  and {{ affected_months(ref('stg_hyperliquid__portfolio_history'), 'point_at') }}
{% endif %}
group by account, day
