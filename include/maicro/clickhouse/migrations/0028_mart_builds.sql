-- When each dbt model was last built: one row per model per successful dbt invocation.
--
-- Written on the CLOUD by dbt itself (the on-run-end hook `record_mart_builds` in
-- dbt_project/macros/record_mart_builds.sql, as maicro_transform, which owns `analytics`), so
-- every build counts: `maicro transform`, the cosmos task per model in transform_analytics, a
-- build by hand. The reports read it (as maicro_reader) to tell whether the marts were built
-- AFTER the replication of a period was verified: a period is complete only then. It lives in
-- `analytics` rather than `maicro_monitors` because it is written where the marts are, never
-- replicated from the local store.
CREATE TABLE IF NOT EXISTS analytics.mart_builds
(
    model           LowCardinality(String) COMMENT 'the dbt model name, e.g. fct_pnl_daily',
    invocation_id   String COMMENT 'dbt invocation_id of the run that built it',
    run_started_at  DateTime64(3, 'UTC') COMMENT 'when that dbt run started: it read the data as of then',
    built_at        DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'when the run recorded it (on-run-end)'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(run_started_at)
ORDER BY (model, run_started_at);
