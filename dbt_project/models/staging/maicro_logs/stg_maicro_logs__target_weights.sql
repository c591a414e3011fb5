-- One row per (strategy, ts, coin) target weight; a re-loaded set replaces the earlier one.
select
    strategy,
    ts as targeted_at,
    coin,
    target_weight,
    inserted_at as ingested_at
from {{ source('maicro_logs', 'target_weights') }} final
