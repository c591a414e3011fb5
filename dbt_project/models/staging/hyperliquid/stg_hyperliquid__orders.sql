-- One row per order (account, oid): its placement (time, side, size) from the most recent
-- status row, since placement fields never change and the latest status is the final one.
select
    account,
    oid,
    argMax(coin, status_timestamp) as coin,
    argMax(side, status_timestamp) as side,
    if(argMax(side, status_timestamp) = 'B', 1, -1) as side_sign,
    min(order_timestamp) as ordered_at,
    toDate(min(order_timestamp)) as day,
    argMax(orig_sz, status_timestamp) as orig_sz,
    argMax(limit_px, status_timestamp) as limit_px,
    argMax(status, status_timestamp) as last_status,
    max(ingested_at) as ingested_at
from {{ source('hyperliquid', 'orders') }} final
group by account, oid
