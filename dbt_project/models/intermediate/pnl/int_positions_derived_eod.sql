{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    partition_by='toYYYYMM(day)',
    order_by='(account, coin, day)',
) }}
-- End-of-day position and average entry per (account, coin, day) derived from fills alone,
-- for days without snapshots (backfills). Hyperliquid's rule, fill by fill in (time, tid) order:
--   end = startPosition + signed sz;
--   opening from flat or flipping sides resets entry to the fill px;
--   adding on the same side moves entry to the size-weighted average;
--   reducing keeps entry; flat means no entry.
-- The state after the last fill carries over days without fills (the last state at or before
-- each spine day, looked up in the coin's array of per-day states) and
-- is valued at the day's last 1m candle close: uPnL = szi * (close - entry).
-- The state is a fold over the whole history, done on per-day arrays (one element per day
-- with fills). Incremental: every month from the first affected one (a late fill, a late
-- candle, or an account day after the last one held) is recomputed, the fold starting
-- from each coin's state at the end of the month before, read back from this table; the
-- stored state is the fold's own Float64 accumulator, so the result equals a full rebuild.
{% if is_incremental() %}
{% set first_month = (month_values(
    'select toYYYYMM(s.day) from ' ~ ref('int_account_days_spined') ~ ' as s left join'
    ~ ' (select account, max(day) as last_day from ' ~ this ~ ' group by account) as t'
    ~ ' on s.account = t.account where s.day > t.last_day'
    ~ ' union all select toYYYYMM(day) from ' ~ ref('stg_hyperliquid__fills')
    ~ ' where ingested_at > ' ~ ingested_cutoff()
    ~ ' union all select toYYYYMM(day) from ' ~ ref('int_coin_prices_daily')
    ~ ' where max_ingested_at > ' ~ ingested_cutoff()) or [214906]) | first %}
{#- nothing new: 2149-06 (the last Date) selects no day, and no partition is replaced -#}
{% set recompute_from = "toDate('%04d-%02d-01')" % (first_month // 100, first_month % 100) %}
{% endif %}
with fills_by_day as (
    select
        account,
        coin,
        day,
        arraySort(x -> (x.1, x.2),
                  groupArray((filled_at, tid, start_position, signed_sz, px))) as fills,
        max(ingested_at) as ingested_at
    from {{ ref('stg_hyperliquid__fills') }}
    {% if is_incremental() %}
    where day >= {{ recompute_from }}
    {% endif %}
    group by account, coin, day
),
per_coin as (
    select
        account,
        coin,
        arraySort(x -> x.1, groupArray((day, fills))) as days,
        max(ingested_at) as ingested_at
    from fills_by_day
    group by account, coin
),
{% if is_incremental() %}
carried as (
    -- each coin's state at the end of the last day before the recomputed months
    select
        account,
        coin,
        argMax(last_fill_day, day) as last_fill_day,
        argMax(szi, day) as szi,
        argMax(entry_px, day) as entry_px,
        max(max_ingested_at) as ingested_at
    from {{ this }}
    where day < {{ recompute_from }}
    group by account, coin
),
starts as (
    select
        account,
        coin,
        p.days as days,
        (c.szi, c.entry_px,
         if(c.last_fill_day > toDate(0),
            [(c.last_fill_day, c.szi, c.entry_px)],
            CAST([], 'Array(Tuple(Date, Float64, Float64))'))) as init,
        greatest(p.ingested_at, c.ingested_at) as ingested_at
    from per_coin as p
    full join carried as c using (account, coin)
),
{% else %}
starts as (
    select account, coin, days,
           (0., 0., CAST([], 'Array(Tuple(Date, Float64, Float64))')) as init,
           ingested_at
    from per_coin
),
{% endif %}
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
            init
        ).3 as states,
        ingested_at
    from starts
),
spine as (
    -- folded is referenced once: the fold is the expensive part, and a CTE used twice is
    -- evaluated twice
    select d.account as account, d.day as day, f.coin as coin,
           arrayLast(s -> s.1 <= d.day, f.states) as st,
           tupleElement(st, 1) as last_fill_day,
           tupleElement(st, 2) as szi,
           tupleElement(st, 3) as entry_px,
           f.ingested_at as ingested_at
    from {{ ref('int_account_days_spined') }} as d
    inner join folded as f on d.account = f.account
    where d.day >= f.states[1].1
    {% if is_incremental() %}
      and d.day >= {{ recompute_from }}
    {% endif %}
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
    px.close_px > 0 or spine.szi = 0 as is_priced,
    greatest(spine.ingested_at, px.max_ingested_at) as max_ingested_at
from spine
left join {{ ref('int_coin_prices_daily') }} as px
    on spine.coin = px.coin and spine.day = px.day
