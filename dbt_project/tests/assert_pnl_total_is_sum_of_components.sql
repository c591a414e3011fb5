-- Assert total_pnl = realized_pnl_gross - fees + funding + unrealized_pnl_change on every row.
select account, day, coin
from {{ ref('fct_pnl_daily') }}
where abs(total_pnl - (realized_pnl_gross - fees + funding + unrealized_pnl_change)) > 1e-9
