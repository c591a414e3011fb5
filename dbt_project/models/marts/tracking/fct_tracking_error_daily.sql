{{ config(engine='MergeTree()', order_by='(strategy, account, day)') }}
-- Tracking error per (strategy, account, day): the strategy the account ran (its strategy
-- history, as of each snapshot for the weights, as of 00:00 for the returns; on the day an account
-- is re-assigned, the new strategy's row has weights only).
-- Weight-based (NULL on days without snapshots): the per-snapshot L1 = Σ|w_t - w_a|,
-- RMS = sqrt(mean((w_t - w_a)²)) and largest |w_t - w_a| of int_snapshots_compared_to_targets;
-- te_l1/te_half_l1/te_rms are their means over the day's snapshots; max_abs_diff is the largest
-- |w_t - w_a| of the day and max_abs_diff_coin its coin; n_coins the distinct coins compared that day.
-- Return-based: r_actual = fct_account_daily.daily_return; r_target = Σ w_target(as of the
-- start of the day) * r_coin(day), r_coin the close-to-close return of the last 1m candle
-- (NULL without a target set, or when a coin with a non-zero target has no return that day);
-- te_ann_Nd = stddev_samp(r_actual - r_target) over the day and the N-1 days before × √365,
-- NULL with fewer than 2 days with both returns.
with weights_daily as (
    select
        strategy, account, day,
        avg(l1) as te_l1,
        avg(rms) as te_rms,
        max(max_abs_diff) as max_abs_diff,
        argMax(max_abs_diff_coin, max_abs_diff) as max_abs_diff_coin,
        toUInt32(length(groupUniqArrayArray(coins))) as n_coins,
        toUInt32(count()) as n_snapshots
    from {{ ref('int_snapshots_compared_to_targets') }}
    group by strategy, account, day
),
coin_returns as (
    -- each day's known coin returns as parallel arrays
    select day, groupArray(coin) as coins, groupArray(coin_return) as coin_returns
    from {{ ref('int_coin_returns_daily') }}
    where coin_return is not null
    group by day
),
active as (
    select
        s.strategy as strategy, a.account as account, a.day as day,
        a.daily_return as r_actual,
        toUInt8(1) as has_return_day,
        -- the set in force at 00:00 (none before the strategy's first set)
        t.targeted_at > toDateTime64(0, 3, 'UTC') as has_set,
        arrayMap(c -> indexOf(r.coins, c), t.coins) as return_index,
        if(has_set and arrayAll((i, w) -> i > 0 or w = 0, return_index, t.target_weights),
           toNullable(arraySum((i, w) -> if(i > 0, w * r.coin_returns[i], 0.),
                               return_index, t.target_weights)),
           null) as r_target,
        r_actual - r_target as active_return
    from {{ ref('fct_account_daily') }} as a
    asof inner join {{ ref('stg_maicro_logs__account_strategies') }} as s
        on a.account = s.account and toDateTime64(a.day, 3, 'UTC') >= s.valid_from
    asof left join {{ ref('int_target_sets_listed') }} as t
        on s.strategy = t.strategy and toDateTime64(a.day, 3, 'UTC') >= t.targeted_at
    left join coin_returns as r on a.day = r.day
),
windowed as (
    select
        *,
        count(active_return) over w7 as n_7d,
        stddevSamp(active_return) over w7 as sd_7d,
        count(active_return) over w30 as n_30d,
        stddevSamp(active_return) over w30 as sd_30d
    from active
    window
        w7 as (partition by strategy, account order by toUInt32(day) range between 6 preceding and current row),
        w30 as (partition by strategy, account order by toUInt32(day) range between 29 preceding and current row)
)
select
    strategy,
    account,
    day,
    if(wd.n_snapshots > 0, toNullable(wd.te_l1), null) as te_l1,
    if(wd.n_snapshots > 0, toNullable(wd.te_l1 / 2), null) as te_half_l1,
    if(wd.n_snapshots > 0, toNullable(wd.te_rms), null) as te_rms,
    if(wd.n_snapshots > 0, toNullable(wd.max_abs_diff), null) as max_abs_diff,
    if(wd.n_snapshots > 0, toNullable(wd.max_abs_diff_coin), null) as max_abs_diff_coin,
    wd.n_coins as n_coins,
    wd.n_snapshots as n_snapshots,
    if(w.has_return_day = 1, w.r_actual, null) as r_actual,
    if(w.has_return_day = 1, w.r_target, null) as r_target,
    if(w.has_return_day = 1, w.active_return, null) as active_return,
    if(w.has_return_day = 1 and w.n_7d >= 2, w.sd_7d * sqrt({{ var('annualisation_days') }}), null) as te_ann_7d,
    if(w.has_return_day = 1 and w.n_30d >= 2, w.sd_30d * sqrt({{ var('annualisation_days') }}), null) as te_ann_30d
from windowed as w
-- full: a re-assigned account's new strategy has snapshots on the day of the change, not its return
full join weights_daily as wd using (strategy, account, day)
