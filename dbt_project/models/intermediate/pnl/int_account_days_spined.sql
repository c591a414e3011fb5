{{ config(engine='MergeTree()', order_by='(account, day)') }}
-- Every calendar day from an account's first to its last day with any data, so that days
-- without activity still carry positions, values and returns forward.
with activity as (
    select account, day from {{ ref('int_fills_aggregated_daily') }}
    union all select account, day from {{ ref('int_fundings_aggregated_daily') }}
    union all select account, day from {{ ref('int_ledger_flows_aggregated_daily') }}
    union all select account, day from {{ ref('int_accounts_snapshotted_eod') }}
),
bounds as (
    select account, min(day) as first_day, max(day) as last_day from activity group by account
)
select
    account,
    toDate(first_day + n) as day
from bounds
array join range(toUInt32(last_day - first_day) + 1) as n
