-- The current strategy of each account (latest recorded).
select account, strategy
from {{ source('maicro_logs', 'account_strategies') }} final
