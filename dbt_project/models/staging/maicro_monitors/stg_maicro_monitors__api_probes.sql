-- One row per probe request; `is_error` as 0/1 so that its mean is the error rate.
select
    probed_at,
    endpoint,
    request_type,
    rtt_ms,
    toUInt8(ok = 0) as is_error,
    error,
    clock_skew_ms,
    candle_age_ms,
    mid_age_ms
from {{ source('maicro_monitors', 'api_probes') }}
