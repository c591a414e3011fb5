{{ config(engine='MergeTree()', order_by='(endpoint, request_type, hour)') }}
-- Data-feed latency per (endpoint, request_type, UTC hour): p50/p95 round trip over every probe
-- (failed requests included: a timeout is latency the pipeline suffered) and the error rate.
select
    endpoint,
    request_type,
    toStartOfHour(probed_at) as hour,
    toUInt64(count()) as requests,
    quantileExact(0.5)(rtt_ms) as p50_ms,
    quantileExact(0.95)(rtt_ms) as p95_ms,
    avg(is_error) as error_rate
from {{ ref('stg_maicro_monitors__api_probes') }}
group by endpoint, request_type, hour
