{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(day)',
    order_by='(account, coin, ordered_at, oid)',
) }}
-- One row per order with its fills and the mid at order time. Mid = the latest allMids /
-- metaAndAssetCtxs mid at or before the order timestamp if at most var
-- mid_max_staleness_seconds old ('snapshot'), else the open of the 1m candle of the order's
-- minute ('candle_open'); NULL when neither exists.
-- Incremental: the months (of the order time) with a new order status, a new fill of one of
-- their orders, or a new mid or candle (int_coin_prices_daily holds each day's newest candle
-- ingestion, a cheaper read than the candles); a mid older than the staleness limit is never used, so
-- the months' own mids (and the last seconds of the month before) are all the as-of join needs.
-- depends_on: {{ ref('int_coin_prices_daily') }}
{% set staleness_ms = var('mid_max_staleness_seconds') * 1000 %}
{% if is_incremental() %}
{% set months = month_list(
    'select toYYYYMM(day) from ' ~ ref('stg_hyperliquid__orders')
    ~ ' where ingested_at > ' ~ ingested_cutoff()
    ~ ' or (account, oid) in (select account, oid from ' ~ ref('stg_hyperliquid__fills')
    ~ ' where ingested_at > ' ~ ingested_cutoff() ~ ')'
    ~ ' union distinct select toYYYYMM(snapshot_at) from ' ~ ref('stg_hyperliquid__mids')
    ~ ' where ingested_at > ' ~ ingested_cutoff()
    ~ ' union distinct select toYYYYMM(day) from ' ~ ref('int_coin_prices_daily')
    ~ ' where max_ingested_at > ' ~ ingested_cutoff()) %}
{% endif %}
with orders as (
    select * from {{ ref('stg_hyperliquid__orders') }}
    {% if is_incremental() %}
    where toYYYYMM(day) in {{ months }}
    {% endif %}
),
fills as (
    select account, oid, sum(sz) as filled_sz, sum(notional_usd) as filled_notional,
           max(ingested_at) as ingested_at
    from {{ ref('stg_hyperliquid__fills') }}
    {% if is_incremental() %}
    where (account, oid) in (select account, oid from orders)
    {% endif %}
    group by account, oid
),
with_mid as (
    select o.*, m.snapshot_at as mid_at, m.mid_px as asof_mid
    from orders as o
    asof left join (
        select coin, snapshot_at, mid_px from {{ ref('stg_hyperliquid__mids') }}
        {% if is_incremental() %}
        where toYYYYMM(snapshot_at + interval {{ staleness_ms }} millisecond) in {{ months }}
           or toYYYYMM(snapshot_at) in {{ months }}
        {% endif %}
    ) as m
        on o.coin = m.coin and o.ordered_at >= m.snapshot_at
)
select
    w.account as account,
    w.oid as oid,
    w.coin as coin,
    w.day as day,
    w.ordered_at as ordered_at,
    w.side_sign as side_sign,
    w.orig_sz as orig_sz,
    f.filled_sz as filled_sz,
    f.filled_notional as filled_notional,
    if(f.filled_sz > 0, f.filled_notional / f.filled_sz, null) as avg_fill_px,
    multiIf(
        w.asof_mid > 0 and dateDiff('millisecond', w.mid_at, w.ordered_at) <= {{ staleness_ms }},
            toNullable(w.asof_mid),
        c.open > 0, toNullable(c.open),
        null) as mid_px,
    multiIf(
        w.asof_mid > 0 and dateDiff('millisecond', w.mid_at, w.ordered_at) <= {{ staleness_ms }},
            'snapshot',
        c.open > 0, 'candle_open',
        'none') as mid_source,
    greatest(w.ingested_at, f.ingested_at) as max_ingested_at
from with_mid as w
left join (
    -- only the candles of minutes with an order (the candle table is large). The filter is a
    -- set of UInt64 hashes of (coin, minute): ~3x faster than a tuple IN over the year's 5M
    -- candles; a hash collision only keeps an extra candle, which the exact join below never
    -- matches.
    select coin, open_time, open from {{ ref('stg_hyperliquid__candles') }}
    -- (both sides hash the same types: String coin, DateTime minute)
    where cityHash64(toString(coin), toStartOfMinute(open_time))
          in (select cityHash64(toString(coin), toStartOfMinute(ordered_at)) from orders)
    {% if is_incremental() %}
      and toYYYYMM(day) in {{ months }}
    {% endif %}
) as c
    on w.coin = c.coin and toStartOfMinute(w.ordered_at) = c.open_time
left join fills as f on w.account = f.account and w.oid = f.oid
