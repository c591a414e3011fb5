-- Strategy side and pipeline health.

-- Target weights as the strategy logged them. Re-loading the same (strategy, ts, coin) replaces
-- the earlier value (latest inserted_at wins), so a corrected file can be loaded again.
CREATE TABLE IF NOT EXISTS maicro_logs.target_weights
(
    strategy           LowCardinality(String),
    ts                 DateTime64(3, 'UTC'),
    coin               LowCardinality(String),
    target_weight      Float64 COMMENT 'signed fraction of account value, short < 0',
    source             LowCardinality(String) COMMENT 'who wrote it: a file name, a URL, a strategy process',
    inserted_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (strategy, ts, coin);

-- Which strategy runs which account (from MAICRO_ACCOUNTS), recorded at every ingest so that
-- analytics can join accounts to strategies without reading the environment.
CREATE TABLE IF NOT EXISTS maicro_logs.account_strategies
(
    account            LowCardinality(String),
    strategy           LowCardinality(String),
    updated_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (account);

-- Records that failed validation, kept with their raw JSON so nothing is silently dropped.
CREATE TABLE IF NOT EXISTS maicro_monitors.quarantine
(
    quarantined_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    source             LowCardinality(String) COMMENT 'API URL or file',
    data_type          LowCardinality(String) COMMENT 'fills, funding, ... or target_weights',
    account            String,
    reason             String,
    raw                String,
    record_hash        UInt64 MATERIALIZED cityHash64(source, data_type, account, reason, raw)
)
ENGINE = ReplacingMergeTree(quarantined_at)
PARTITION BY toYYYYMM(quarantined_at)
ORDER BY (data_type, record_hash);

-- One row per endpoint probe: round trip and the exchange clock's skew against ours.
CREATE TABLE IF NOT EXISTS maicro_monitors.api_latency
(
    probed_at          DateTime64(3, 'UTC'),
    api_url            LowCardinality(String),
    request_type       LowCardinality(String),
    status             LowCardinality(String) COMMENT 'ok or the error class',
    http_status        UInt16,
    latency_ms         Float64,
    server_time_skew_ms Nullable(Float64) COMMENT 'server time - midpoint of our request',
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(probed_at)
ORDER BY (request_type, probed_at);

-- One row per ingestion task run over a window.
CREATE TABLE IF NOT EXISTS maicro_monitors.ingest_runs
(
    run_id             String,
    data_type          LowCardinality(String),
    account            String,
    window_start       DateTime64(3, 'UTC'),
    window_end         DateTime64(3, 'UTC'),
    rows_fetched       UInt64,
    rows_inserted      UInt64,
    rows_quarantined   UInt64,
    api_weight_used    UInt64,
    status             LowCardinality(String),
    error              String,
    started_at         DateTime64(3, 'UTC'),
    finished_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(finished_at)
PARTITION BY toYYYYMM(started_at)
ORDER BY (data_type, account, window_start, run_id);
