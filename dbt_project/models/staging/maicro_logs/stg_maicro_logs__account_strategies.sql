-- The strategy each account runs, one row per (account, valid_from): in force from valid_from
-- (1970 for the strategy an account was first recorded with) until the account's next row.
select account, strategy, valid_from, updated_at as ingested_at
from {{ source('maicro_logs', 'account_strategies') }} final
