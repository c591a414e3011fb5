{{ config(engine='MergeTree()', order_by='(coin, day)') }}
-- Close-to-close daily return per coin (last 1m candle close of the day vs the previous
-- day's); NULL when the previous day has no candles.
select
    coin,
    day,
    close_px,
    prev_close_px,
    if(prev_day = day - 1 and prev_close_px > 0, close_px / prev_close_px - 1, null) as coin_return
from (
    select
        coin,
        day,
        close_px,
        lagInFrame(close_px) over w as prev_close_px,
        lagInFrame(day) over w as prev_day
    from {{ ref('int_coin_prices_daily') }}
    window w as (partition by coin order by day rows between unbounded preceding and current row)
)
