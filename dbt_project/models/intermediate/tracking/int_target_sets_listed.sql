{{ config(engine='MergeTree()', order_by='(strategy, targeted_at)') }}
-- One row per target set (strategy, ts) with its coins and weights as parallel arrays: a set is
-- valid from its ts until the next one, and the coins it does not name have target weight 0.
select
    strategy,
    targeted_at,
    groupArray(coin) as coins,
    groupArray(target_weight) as target_weights,
    max(ingested_at) as max_ingested_at
from {{ ref('stg_maicro_logs__target_weights') }}
group by strategy, targeted_at
