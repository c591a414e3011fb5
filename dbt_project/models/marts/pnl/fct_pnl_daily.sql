{{ config(engine='MergeTree()', order_by='(account, day, coin)') }}
-- PnL per (account, day, coin). Sign conventions (docs/analytics.md, docs/hyperliquid.md): fees positive = paid
-- (rebates negative, never abs()); funding positive = received; realized_pnl_net = gross - fees;
-- total = realized_pnl_net + funding + unrealized change. End-of-day uPnL comes from the last
-- snapshot of the day when the account has snapshots that day (upnl_source = 'snapshot'),
-- else from fills-derived positions valued at the day's last 1m candle close ('fills';
-- 'fills_unpriced' when that coin had no candle that day, valued at 0).
with coins as (
    select account, coin, min(day) as first_day from (
        select account, coin, day from {{ ref('int_fills_aggregated_daily') }}
        union all select account, coin, day from {{ ref('int_fundings_aggregated_daily') }}
        union all select account, coin, day from {{ ref('int_positions_snapshotted_eod') }}
    )
    group by account, coin
),
spine as (
    select d.account as account, d.day as day, c.coin as coin
    from {{ ref('int_account_days_spined') }} as d
    inner join coins as c on d.account = c.account
    where d.day >= c.first_day
),
joined as (
    select
        spine.account as account,
        spine.day as day,
        spine.coin as coin,
        f.realized_pnl_gross as realized_pnl_gross,
        f.fees as fees,
        f.volume_usd as volume_usd,
        f.n_fills as n_fills,
        fu.funding as funding,
        a.has_snapshot as has_snapshot,
        p.szi as snapshot_szi,
        p.unrealized_pnl as snapshot_upnl,
        dr.szi as derived_szi,
        dr.unrealized_pnl as derived_upnl,
        dr.is_priced as derived_is_priced
    from spine
    left join {{ ref('int_fills_aggregated_daily') }} as f
        on spine.account = f.account and spine.day = f.day and spine.coin = f.coin
    left join {{ ref('int_fundings_aggregated_daily') }} as fu
        on spine.account = fu.account and spine.day = fu.day and spine.coin = fu.coin
    left join (select account, day, 1 as has_snapshot from {{ ref('int_accounts_snapshotted_eod') }}) as a
        on spine.account = a.account and spine.day = a.day
    left join {{ ref('int_positions_snapshotted_eod') }} as p
        on spine.account = p.account and spine.day = p.day and spine.coin = p.coin
    left join {{ ref('int_positions_derived_eod') }} as dr
        on spine.account = dr.account and spine.day = dr.day and spine.coin = dr.coin
),
with_eod as (
    select
        *,
        if(has_snapshot = 1, snapshot_szi, derived_szi) as eod_szi,
        if(has_snapshot = 1, snapshot_upnl, if(derived_is_priced, derived_upnl, 0.)) as unrealized_pnl_eod,
        multiIf(has_snapshot = 1, 'snapshot', derived_is_priced or derived_szi = 0, 'fills', 'fills_unpriced')
            as upnl_source
    from joined
),
with_change as (
    select
        *,
        -- the spine is dense from the coin's first day, so the previous row is the previous day
        lagInFrame(unrealized_pnl_eod, 1, 0.) over (
            partition by account, coin order by day
            rows between unbounded preceding and current row
        ) as unrealized_pnl_prev_eod
    from with_eod
)
select
    account,
    day,
    coin,
    realized_pnl_gross,
    fees,
    realized_pnl_gross - fees as realized_pnl_net,
    funding,
    unrealized_pnl_eod - unrealized_pnl_prev_eod as unrealized_pnl_change,
    realized_pnl_gross - fees + funding + unrealized_pnl_eod - unrealized_pnl_prev_eod as total_pnl,
    volume_usd,
    n_fills,
    eod_szi,
    unrealized_pnl_eod,
    unrealized_pnl_prev_eod,
    upnl_source
from with_change
where n_fills > 0 or funding != 0 or eod_szi != 0
   or unrealized_pnl_eod != 0 or unrealized_pnl_prev_eod != 0
