-- One row per hourly funding payment (account, coin, time); usdc > 0 = received.
select
    account,
    time as funded_at,
    toDate(time) as day,
    coin,
    usdc,
    szi,
    funding_rate,
    ingested_at
from {{ source('hyperliquid', 'funding') }} final
