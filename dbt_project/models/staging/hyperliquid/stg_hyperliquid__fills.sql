-- One row per fill (account, coin, time, tid), deduplicated with FINAL.
select
    account,
    time as filled_at,
    toDate(time) as day,
    coin,
    tid,
    px,
    sz,
    side,
    if(side = 'B', 1, -1) as side_sign,
    if(side = 'B', sz, -sz) as signed_sz,
    start_position,
    start_position + if(side = 'B', sz, -sz) as end_position,
    dir,
    closed_pnl,
    hash,
    oid,
    crossed as is_taker,
    fee,
    fee_token,
    px * sz as notional_usd,
    ingested_at
from {{ source('hyperliquid', 'fills') }} final
