{{ config(engine='MergeTree()', order_by='(account, day)') }}
-- Account value, flows and returns per (account, day).
-- Anchors are the days whose close is observed: the day's last snapshot ('snapshot'), or, for an
-- account that has no snapshot at all, the exchange's own end-of-day value from its portfolio
-- history ('exchange_history'). Every other day is derived from an anchor with the identity
-- close(D) = close(D-1) + total_pnl(D) + net_flows(D):
--   after an anchor, forward from the last one ('derived_forward');
--   before the first anchor, backward from it ('derived_backward'):
--     close(D) = close(D+1) - total_pnl(D+1) - net_flows(D+1).
-- Both are anchor value + moved(D) - moved(anchor day), moved = running Σ(total_pnl + net_flows).
-- The table is rebuilt from the (incremental) daily inputs on every build, so a first snapshot
-- that arrives after the history was built re-derives every day before it.
-- account_value_open = the previous day's close (first day: close - total_pnl - net_flows).
-- daily_return = (close - open - net_flows) / open when open >= var
-- min_account_value_for_return_usd, else NULL. cumulative_return compounds the known returns,
-- from the first one on; NULL on a day whose return is unknown. drawdown = growth / max(1, running
-- max growth) - 1 on the same days.
with pnl as (
    select account, day, sum(total_pnl) as total_pnl
    from {{ ref('fct_pnl_daily') }}
    group by account, day
),
base as (
    select
        d.account as account,
        d.day as day,
        s.has_snapshot as has_snapshot,
        s.account_value as snapshot_value,
        ex.has_exchange as has_exchange,
        ex.account_value as exchange_value,
        fl.deposits as deposits,
        fl.withdrawals as withdrawals,
        fl.net_flows as net_flows,
        pnl.total_pnl as total_pnl
    from {{ ref('int_account_days_spined') }} as d
    left join (select account, day, account_value, toUInt8(1) as has_snapshot
               from {{ ref('int_accounts_snapshotted_eod') }}) as s
        on d.account = s.account and d.day = s.day
    left join (select account, day, account_value, toUInt8(1) as has_exchange
               from {{ ref('int_accounts_reported_eod') }}) as ex
        on d.account = ex.account and d.day = ex.day
    left join {{ ref('int_ledger_flows_aggregated_daily') }} as fl
        on d.account = fl.account and d.day = fl.day
    left join pnl on d.account = pnl.account and d.day = pnl.day
),
moved as (
    select
        *,
        max(has_snapshot) over (partition by account) as account_has_snapshot,
        sum(total_pnl + net_flows) over (partition by account order by day
                                         rows between unbounded preceding and current row) as moved
    from base
),
flagged as (
    select
        *,
        if(account_has_snapshot = 1, has_snapshot, has_exchange) as is_anchor,
        if(has_snapshot = 1, snapshot_value, exchange_value) as observed_value
    from moved
),
grouped as (
    select
        *,
        sum(is_anchor) over (partition by account order by day
                             rows between unbounded preceding and current row) as anchor_id
    from flagged
),
first_anchor as (
    select account, argMin(observed_value, day) as value, argMin(moved, day) as moved
    from flagged
    where is_anchor = 1
    group by account
),
closed as (
    select
        g.*,
        first_value(g.observed_value) over w as last_anchor_value,
        first_value(g.moved) over w as last_anchor_moved,
        f.value as first_anchor_value,
        f.moved as first_anchor_moved,
        f.account != '' as has_anchor
    from grouped as g
    left join first_anchor as f on g.account = f.account
    window w as (partition by g.account, g.anchor_id order by g.day
                 rows between unbounded preceding and current row)
),
valued as (
    select
        *,
        multiIf(is_anchor = 1, toNullable(observed_value),
                anchor_id > 0, toNullable(last_anchor_value + moved - last_anchor_moved),
                has_anchor, toNullable(first_anchor_value + moved - first_anchor_moved),
                null) as account_value_close,
        multiIf(is_anchor = 1 and has_snapshot = 1, 'snapshot',
                is_anchor = 1, 'exchange_history',
                anchor_id > 0, 'derived_forward',
                has_anchor, 'derived_backward',
                null) as account_value_source
    from closed
),
opened as (
    select
        *,
        lagInFrame(account_value_close, 1, null) over (partition by account order by day
                                                      rows between unbounded preceding and current row)
            as prev_close,
        row_number() over (partition by account order by day) as day_index
    from valued
),
returns as (
    select
        account,
        day,
        if(day_index = 1, account_value_close - total_pnl - net_flows, prev_close) as account_value_open,
        account_value_close,
        account_value_source,
        if(has_exchange = 1, toNullable(exchange_value), null) as exchange_account_value_close,
        deposits,
        withdrawals,
        net_flows,
        total_pnl,
        if(account_value_open >= {{ var('min_account_value_for_return_usd') }},
           (account_value_close - account_value_open - net_flows) / account_value_open,
           null) as daily_return
    from opened
),
compounded as (
    select
        *,
        if(daily_return is null, null,
           exp(sum(log1p(ifNull(daily_return, 0.))) over (
               partition by account order by day rows between unbounded preceding and current row)))
            as growth
    from returns
)
select
    account,
    day,
    account_value_open,
    account_value_close,
    account_value_source,
    exchange_account_value_close,
    deposits,
    withdrawals,
    net_flows,
    total_pnl,
    daily_return,
    growth - 1 as cumulative_return,
    growth / greatest(1., max(growth) over (partition by account order by day
                                            rows between unbounded preceding and current row)) - 1
        as drawdown
from compounded
