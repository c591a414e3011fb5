{{ config(engine='MergeTree()', order_by='(account, day)') }}
-- Account value, flows and returns per (account, day).
-- account_value_close: the last snapshot of the day ('snapshot'); on a day without snapshots it
-- is derived ('derived') = the last snapshotted close before it + Σ (total_pnl + net_flows) of
-- the days since; NULL before the account's first snapshot. account_value_open = the previous
-- day's close (first day: close - total_pnl - net_flows).
-- daily_return = (close - open - net_flows) / open (flow-adjusted); cumulative_return
-- compounds daily returns; drawdown = (1 + cum) / running max(1 + cum) - 1 (<= 0).
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
        fl.deposits as deposits,
        fl.withdrawals as withdrawals,
        fl.net_flows as net_flows,
        pnl.total_pnl as total_pnl
    from {{ ref('int_account_days_spined') }} as d
    left join (select account, day, account_value, 1 as has_snapshot
               from {{ ref('int_accounts_snapshotted_eod') }}) as s
        on d.account = s.account and d.day = s.day
    left join {{ ref('int_ledger_flows_aggregated_daily') }} as fl
        on d.account = fl.account and d.day = fl.day
    left join pnl on d.account = pnl.account and d.day = pnl.day
),
anchored as (
    select
        *,
        sum(has_snapshot) over (partition by account order by day
                                rows between unbounded preceding and current row) as anchor_id
    from base
),
closed as (
    select
        *,
        if(anchor_id = 0, null,
           toNullable(
               first_value(snapshot_value) over (partition by account, anchor_id order by day
                                                  rows between unbounded preceding and current row)
               + sum(if(has_snapshot = 1, 0., total_pnl + net_flows)) over (
                   partition by account, anchor_id order by day
                   rows between unbounded preceding and current row))
        ) as account_value_close
    from anchored
),
opened as (
    select
        *,
        lagInFrame(account_value_close, 1, null) over (partition by account order by day
                                                      rows between unbounded preceding and current row)
            as prev_close,
        row_number() over (partition by account order by day) as day_index
    from closed
),
returns as (
    select
        account,
        day,
        if(day_index = 1 or prev_close is null,
           account_value_close - total_pnl - net_flows, prev_close) as account_value_open,
        account_value_close,
        if(has_snapshot = 1, 'snapshot', 'derived') as account_value_source,
        deposits,
        withdrawals,
        net_flows,
        total_pnl,
        if(account_value_open > 0,
           (account_value_close - account_value_open - net_flows) / account_value_open,
           null) as daily_return
    from opened
),
compounded as (
    select
        *,
        exp(sum(log1p(ifNull(daily_return, 0.))) over (
            partition by account order by day rows between unbounded preceding and current row)) as growth
    from returns
)
select
    account,
    day,
    account_value_open,
    account_value_close,
    account_value_source,
    deposits,
    withdrawals,
    net_flows,
    total_pnl,
    daily_return,
    growth - 1 as cumulative_return,
    growth / max(growth) over (partition by account order by day
                               rows between unbounded preceding and current row) - 1 as drawdown
from compounded
