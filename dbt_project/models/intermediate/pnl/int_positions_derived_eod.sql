{{ config(engine='MergeTree()', order_by='(account, coin, day)') }}
-- End-of-day position and average entry per (account, coin, day) derived from fills alone,
-- for days without snapshots (backfills). Hyperliquid's rule, fill by fill in (time, tid) order:
--   end = startPosition + signed sz;
--   opening from flat or flipping sides resets entry to the fill px;
--   adding on the same side moves entry to the size-weighted average;
--   reducing keeps entry; flat means no entry.
-- The state after the last fill carries over days without fills (the last state at or before
-- each spine day, looked up in the coin's array of per-day states) and
-- is valued at the day's last 1m candle close: uPnL = szi * (close - entry).
-- Full rebuild on every run: the state is a fold over the whole history, done on per-day
-- arrays (cheap: one array element per day with fills).
with fills_by_day as (
    select
        account,
        coin,
        day,
        arraySort(x -> (x.1, x.2),
                  groupArray((filled_at, tid, start_position, signed_sz, px))) as fills
    from {{ ref('stg_hyperliquid__fills') }}
    group by account, coin, day
),
per_coin as (
    select
        account,
        coin,
        arraySort(x -> x.1, groupArray((day, fills))) as days
    from fills_by_day
    group by account, coin
),
folded as (
    select
        account,
        coin,
        arrayFold(
            (acc, d) -> arrayMap(
                s -> (s.1, s.2, arrayPushBack(acc.3, (d.1, s.1, s.2))),
                [arrayFold(
                    (st, f) -> (
                        f.3 + f.4,
                        multiIf(
                            abs(f.3 + f.4) < 1e-12, 0.,
                            abs(f.3) < 1e-12 or sign(f.3) != sign(f.3 + f.4), f.5,
                            abs(f.3 + f.4) > abs(f.3),
                                (st.2 * abs(f.3) + f.5 * abs(f.4)) / abs(f.3 + f.4),
                            st.2
                        )
                    ),
                    d.2,
                    (acc.1, acc.2)
                )]
            )[1],
            days,
            (0., 0., CAST([], 'Array(Tuple(Date, Float64, Float64))'))
        ).3 as states
    from per_coin
),
spine as (
    -- folded is referenced once: the fold is the expensive part, and a CTE used twice is
    -- evaluated twice
    select d.account as account, d.day as day, f.coin as coin,
           arrayLast(s -> s.1 <= d.day, f.states) as st,
           tupleElement(st, 1) as last_fill_day,
           tupleElement(st, 2) as szi,
           tupleElement(st, 3) as entry_px
    from {{ ref('int_account_days_spined') }} as d
    inner join folded as f on d.account = f.account
    where d.day >= f.states[1].1
)
select
    spine.account as account,
    spine.day as day,
    spine.coin as coin,
    spine.last_fill_day as last_fill_day,
    spine.szi as szi,
    spine.entry_px as entry_px,
    px.close_px as close_px,
    if(spine.szi = 0, 0., spine.szi * (px.close_px - spine.entry_px)) as unrealized_pnl,
    px.close_px > 0 or spine.szi = 0 as is_priced
from spine
left join {{ ref('int_coin_prices_daily') }} as px
    on spine.coin = px.coin and spine.day = px.day
