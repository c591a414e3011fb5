-- Pipeline health: what the monitor measured, what it told people, and how the data feed answers.
--
-- Written on the LOCAL server by `maicro health` / DAG monitor_health and replicated to the cloud
-- like every maicro_monitors table, where the dashboard's health tab reads them as maicro_reader.

-- One row per (monitor run, check, subject): the measured value against its threshold.
CREATE TABLE IF NOT EXISTS maicro_monitors.health_checks
(
    checked_at         DateTime64(3, 'UTC'),
    check_name         LowCardinality(String),
    subject            String COMMENT 'what was checked: fills/0xabc…, a table, an endpoint, a DAG',
    status             Enum8('ok' = 0, 'warn' = 1, 'fail' = 2),
    value              Nullable(Float64),
    threshold          Nullable(Float64),
    unit               LowCardinality(String),
    message            String COMMENT 'names what is wrong (or what was measured)'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(checked_at)
ORDER BY (check_name, subject, checked_at);

-- Alert history; an alert's state is its latest event (per alert_key).
CREATE TABLE IF NOT EXISTS maicro_monitors.alerts
(
    alert_key          String COMMENT 'check_name:subject',
    check_name         LowCardinality(String),
    subject            String,
    event              Enum8('fired' = 1, 'reminded' = 2, 'resolved' = 3),
    status             Enum8('ok' = 0, 'warn' = 1, 'fail' = 2),
    message            String,
    channels           Array(String) COMMENT 'where it was sent: email, chat (or what failed)',
    event_at           DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_at)
ORDER BY (alert_key, event_at);

-- One row per probe request: the data-feed latency monitor (not a side effect of ingestion).
CREATE TABLE IF NOT EXISTS maicro_monitors.api_probes
(
    probed_at          DateTime64(3, 'UTC'),
    endpoint           String COMMENT 'API base URL',
    request_type       LowCardinality(String),
    rtt_ms             Float64,
    ok                 UInt8,
    error              String,
    clock_skew_ms      Nullable(Float64) COMMENT 'exchange time - midpoint of our request',
    candle_age_ms      Nullable(Float64) COMMENT 'exchange time - newest candle open',
    mid_age_ms         Nullable(Float64) COMMENT 'exchange time - time the mids were taken'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(probed_at)
ORDER BY (endpoint, request_type, probed_at);
