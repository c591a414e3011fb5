-- 1m candles only (the analytics price grid), deduplicated.
select
    coin,
    open_time,
    toDate(open_time) as day,
    open,
    high,
    low,
    close,
    volume,
    ingested_at
from {{ source('hyperliquid', 'candles') }} final
where interval = '1m'
