{{ config(engine='MergeTree()', order_by='(account, snapshot_at)') }}
-- Every account snapshot of an account with a strategy, with the latest target set of that
-- strategy at or before it (as-of join; target_set_at = 1970 when there is none yet).
-- A table of its own so that fct_positions_vs_targets reads it once instead of re-evaluating
-- the join in each place it is used.
select
    a.account as account,
    a.snapshot_at as snapshot_at,
    a.account_value as account_value,
    s.strategy as strategy,
    a.ingested_at as ingested_at,
    sets.targeted_at as target_set_at,
    sets.max_ingested_at as set_ingested_at
from {{ ref('stg_hyperliquid__account_snapshots') }} as a
inner join {{ ref('stg_maicro_logs__account_strategies') }} as s on a.account = s.account
asof left join {{ ref('int_target_sets_listed') }} as sets
    on s.strategy = sets.strategy and a.snapshot_at >= sets.targeted_at
