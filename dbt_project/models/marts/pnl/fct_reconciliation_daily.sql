{{ config(engine='MergeTree()', order_by='(account, day)') }}
-- Does the account value move by what the components say? One row per (account, day) whose
-- close is observed independently of the identity (close_source):
--   'snapshot': the day's last snapshot;
--   'exchange_history': no snapshot that day, but the exchange's portfolio history has its close
--     (exchange_account_value_close) — backfilled days are checked against it.
-- av_change = checked close - account_value_open; explained = realized_pnl_net + funding +
-- unrealized_pnl_change + net_flows; residual = av_change - explained; is_reconciled =
-- |residual| <= var reconciliation_tolerance_usd. On an exchange_history day the open is the
-- derived previous close, so residual = exchange close - derived close: the amount by which the
-- exchange disagrees with the identity that day.
-- No row for a day whose observed close is an anchor (snapshot, or the exchange value of an
-- account without snapshots) while its open was derived backward from that very close (the
-- first anchor day): the residual would be 0 by construction and say nothing.
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
sourced as (
    select
        *,
        lagInFrame(account_value_source, 1, 'none') over (
            partition by account order by day
            rows between unbounded preceding and current row) as open_source
    from {{ ref('fct_account_daily') }}
),
observed as (
    select
        account,
        day,
        account_value_open,
        multiIf(account_value_source = 'snapshot', 'snapshot',
                exchange_account_value_close is not null, 'exchange_history',
                null) as close_source,
        if(account_value_source = 'snapshot', account_value_close, exchange_account_value_close)
            as checked_close,
        net_flows,
        account_value_source in ('snapshot', 'exchange_history')
            and open_source in ('derived_backward', 'none') as open_from_own_close
    from sourced
),
checked as (
    select
        o.account as account,
        o.day as day,
        assumeNotNull(o.close_source) as close_source,
        assumeNotNull(o.account_value_open) as account_value_open,
        assumeNotNull(o.checked_close) as account_value_close,
        assumeNotNull(o.checked_close) - assumeNotNull(o.account_value_open) as av_change,
        c.realized_pnl_net as realized_pnl_net,
        c.funding as funding,
        c.unrealized_pnl_change as unrealized_pnl_change,
        o.net_flows as net_flows,
        c.realized_pnl_net + c.funding + c.unrealized_pnl_change + o.net_flows as explained
    from observed as o
    left join components as c on o.account = c.account and o.day = c.day
    where o.close_source is not null
      and o.account_value_open is not null
      and o.checked_close is not null
      and not o.open_from_own_close
)
select
    *,
    av_change - explained as residual,
    abs(av_change - explained) <= {{ var('reconciliation_tolerance_usd') }} as is_reconciled
from checked
