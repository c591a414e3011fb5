{{ config(engine='MergeTree()', order_by='(account, day)') }}
-- Does the account value move by what the components say? av_change = close - open;
-- explained = realized_pnl_net + funding + unrealized_pnl_change + net_flows;
-- residual = av_change - explained; is_reconciled = |residual| <= var reconciliation_tolerance_usd.
-- Only days whose open and close both come from snapshots are checked (a derived value is
-- reconciled by construction and says nothing).
with components as (
    select
        account,
        day,
        sum(realized_pnl_net) as realized_pnl_net,
        sum(funding) as funding,
        sum(unrealized_pnl_change) as unrealized_pnl_change
    from {{ ref('fct_pnl_daily') }}
    group by account, day
),
checked as (
    select
        a.account as account,
        a.day as day,
        assumeNotNull(a.account_value_open) as account_value_open,
        assumeNotNull(a.account_value_close) as account_value_close,
        assumeNotNull(a.account_value_close) - assumeNotNull(a.account_value_open) as av_change,
        c.realized_pnl_net as realized_pnl_net,
        c.funding as funding,
        c.unrealized_pnl_change as unrealized_pnl_change,
        a.net_flows as net_flows,
        c.realized_pnl_net + c.funding + c.unrealized_pnl_change + a.net_flows as explained
    from {{ ref('fct_account_daily') }} as a
    left join components as c on a.account = c.account and a.day = c.day
    where a.account_value_source = 'snapshot'
      and a.account_value_open is not null
      and a.account_value_close is not null
)
select
    *,
    av_change - explained as residual,
    abs(av_change - explained) <= {{ var('reconciliation_tolerance_usd') }} as is_reconciled
from checked
