{{ config(engine='MergeTree()', order_by='(account, day, coin)') }}
-- Execution quality per (account, day, coin).
-- From the orders placed that day: n_orders; fill_ratio = Σ filled sz / Σ orig_sz;
-- slippage_bps = Σ side_sign·(avg fill px - mid)·filled sz / Σ mid·filled sz × 1e4 (each order's
-- side_sign·(avg px - mid)/mid weighted by its notional at mid; positive = worse: a buy paying
-- above mid, a sell receiving below), over filled orders with a known mid.
-- From the fills of that day: maker_share = maker notional / total notional;
-- fee_bps = Σ fee / Σ notional × 1e4 (rebates make it negative).
with orders as (
    select
        account, day, coin,
        toUInt64(count()) as n_orders,
        sum(orig_sz) as orig_sz,
        sum(filled_sz) as filled_sz,
        sumIf(side_sign * (avg_fill_px - mid_px) * filled_sz, filled_sz > 0 and mid_px > 0) as slippage_usd,
        sumIf(mid_px * filled_sz, filled_sz > 0 and mid_px > 0) as mid_notional
    from {{ ref('int_orders_filled') }}
    group by account, day, coin
),
fills as (
    select account, day, coin, volume_usd, maker_volume_usd, fees, n_fills
    from {{ ref('int_fills_aggregated_daily') }}
),
keys as (
    select account, day, coin from orders
    union distinct
    select account, day, coin from fills
)
select
    k.account as account,
    k.day as day,
    k.coin as coin,
    o.n_orders as n_orders,
    if(o.orig_sz > 0, toNullable(o.filled_sz / o.orig_sz), null) as fill_ratio,
    if(f.volume_usd > 0, toNullable(f.maker_volume_usd / f.volume_usd), null) as maker_share,
    if(o.mid_notional > 0, toNullable(o.slippage_usd / o.mid_notional * 1e4), null) as slippage_bps,
    if(f.volume_usd > 0, toNullable(f.fees / f.volume_usd * 1e4), null) as fee_bps,
    f.n_fills as n_fills,
    f.volume_usd as volume_usd
from keys as k
left join orders as o on k.account = o.account and k.day = o.day and k.coin = o.coin
left join fills as f on k.account = f.account and k.day = f.day and k.coin = f.coin
