-- Every attempt to deliver a report: the record a retried task reads before sending, so that a
-- report goes out once per (report, period, recipients) even after the provider's idempotency
-- window (Resend: 24 h) has expired or when the provider ignores idempotency keys.
--
-- Written on the LOCAL server by maicro_notifier (reports and alerts) and replicated to the cloud
-- like every maicro_monitors table, for the dashboard. One row per attempt outcome; the delivery
-- state of a key is its latest row.
CREATE TABLE IF NOT EXISTS maicro_monitors.report_deliveries
(
    report             LowCardinality(String) COMMENT 'daily_pnl, weekly_risk, or an alert name',
    period             String COMMENT 'the day (YYYY-MM-DD) or ISO week (YYYY-Www) reported',
    recipients         Array(String),
    idempotency_key    String COMMENT 'sha256 of (report, period, sorted recipients)',
    transport          LowCardinality(String) COMMENT 'resend, smtp or file',
    status             LowCardinality(String) COMMENT 'sending, sent or failed',
    provider_message_id String COMMENT 'Resend email id, SMTP Message-ID or outbox file',
    error              String,
    attempts           UInt16 COMMENT 'HTTP/SMTP attempts this delivery made (retries on 429/5xx)',
    incomplete         Bool COMMENT 'sent with the incomplete-data banner',
    attempted_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(attempted_at)
PARTITION BY toYYYYMM(attempted_at)
ORDER BY (report, period, idempotency_key, status, attempted_at);
