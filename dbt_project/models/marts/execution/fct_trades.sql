{{ config(engine='MergeTree()', order_by='(account, day, coin, filled_at, tid)', partition_by='toYYYYMM(day)') }}
-- One row per fill (account, coin, filled_at, tid) with its order's mid at order time: the
-- dashboard's trade list. slippage_bps = side_sign·(px − mid)/mid × 1e4 (positive = worse: a
-- buy above mid, a sell below), the same definition fct_execution_quality_daily aggregates;
-- order_fill_ratio = the order's Σ filled size / its original size.
select
    f.account as account,
    f.day as day,
    f.filled_at as filled_at,
    f.coin as coin,
    f.tid as tid,
    f.oid as oid,
    f.side as side,
    f.dir as dir,
    f.px as px,
    f.sz as sz,
    f.notional_usd as notional_usd,
    if(f.is_taker, 'taker', 'maker') as liquidity,
    f.fee as fee,
    f.closed_pnl as closed_pnl,
    o.ordered_at as ordered_at,
    o.mid_px as mid_px,
    o.mid_source as mid_source,
    if(o.mid_px > 0, toNullable(f.side_sign * (f.px - o.mid_px) / o.mid_px * 1e4), null)
        as slippage_bps,
    if(o.orig_sz > 0, toNullable(o.filled_sz / o.orig_sz), null) as order_fill_ratio
from {{ ref('stg_hyperliquid__fills') }} as f
left join {{ ref('int_orders_filled') }} as o on f.account = o.account and f.oid = o.oid
