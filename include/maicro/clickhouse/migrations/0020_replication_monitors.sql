-- Replication health, read by the dashboard's health tab and the alerts.
--
-- Written on the LOCAL server by `maicro replicate` / `maicro verify` and replicated to the cloud
-- like every other maicro_monitors table: a run that failed because the cloud was unreachable is
-- therefore still recorded, and reaches the cloud with the first sync after the outage.

-- One row per (run, table): what a sync sent and how far the cloud is behind local.
CREATE TABLE IF NOT EXISTS maicro_monitors.replication_runs
(
    run_id             String,
    started_at         DateTime64(3, 'UTC'),
    finished_at        DateTime64(3, 'UTC'),
    target             LowCardinality(String) COMMENT 'primary or secondary cloud endpoint',
    target_url         String COMMENT 'HTTP URL of the cloud server synced to (no credentials)',
    database           LowCardinality(String),
    table              String,
    mode               LowCardinality(String) COMMENT 'sync or repair',
    partitions_checked UInt32,
    partitions_sent    UInt32,
    partitions_dropped UInt32 COMMENT 'partitions gone locally, dropped on the cloud',
    rows_sent          UInt64,
    schema_changes     Array(String) COMMENT 'created table, added columns',
    lag_seconds        Float64 COMMENT 'finished_at - start of the latest successful sync of this table',
    duration_s         Float64,
    status             LowCardinality(String) COMMENT 'ok, failed, incompatible, skipped',
    error              String
)
ENGINE = ReplacingMergeTree(finished_at)
PARTITION BY toYYYYMM(started_at)
ORDER BY (database, table, started_at, run_id);

-- One row per (verification run, table): slices compared and every mismatch, by name.
CREATE TABLE IF NOT EXISTS maicro_monitors.verification_results
(
    run_id             String,
    verified_at        DateTime64(3, 'UTC'),
    target             LowCardinality(String),
    target_url         String,
    database           LowCardinality(String),
    table              String,
    slices_checked     UInt32 COMMENT 'a slice is (partition, UTC day)',
    slices_mismatched  UInt32,
    local_rows         UInt64,
    cloud_rows         UInt64,
    mismatches         Array(String) COMMENT 'partition/day: local rows+checksum vs cloud',
    duration_s         Float64,
    status             LowCardinality(String) COMMENT 'ok, mismatch, failed',
    error              String
)
ENGINE = ReplacingMergeTree(verified_at)
PARTITION BY toYYYYMM(verified_at)
ORDER BY (database, table, verified_at, run_id);
