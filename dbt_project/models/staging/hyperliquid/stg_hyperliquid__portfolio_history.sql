-- One row per point of the exchange's account-value history (`portfolio`), deduplicated.
select
    account,
    window,
    startsWith(window, 'perp') as is_perp,
    point_at,
    account_value,
    pnl,
    ingested_at
from {{ source('hyperliquid', 'portfolio_history') }} final
