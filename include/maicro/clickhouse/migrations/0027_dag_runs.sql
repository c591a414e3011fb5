-- Airflow DAG run states, for the dashboard's System Health tab.
--
-- Written on the LOCAL server by the Airflow listener plugins/maicro_dag_run_listener.py (one row
-- per state change: running, success, failed) and replicated to the cloud like every other
-- maicro_monitors table, so the dashboard reads it as maicro_reader without Airflow's API.
-- A repeated notification of the same state replaces its row (ReplacingMergeTree on recorded_at).
CREATE TABLE IF NOT EXISTS maicro_monitors.dag_runs
(
    dag_id        LowCardinality(String),
    run_id        String,
    state         LowCardinality(String) COMMENT 'running, success or failed',
    logical_date  Nullable(DateTime64(3, 'UTC')),
    start_date    Nullable(DateTime64(3, 'UTC')),
    end_date      Nullable(DateTime64(3, 'UTC')),
    message       String COMMENT 'the failure message Airflow passed, if any',
    recorded_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(recorded_at)
PARTITION BY toYYYYMM(recorded_at)
ORDER BY (dag_id, run_id, state);
