-- An account's strategy becomes a history: one row per (account, valid_from), the strategy the
-- account runs from valid_from until the account's next row. Keyed by account alone, a
-- re-assigned account took its whole history to the new strategy on the next full build, while
-- incremental builds kept the old months under the old one.
-- valid_from has no DEFAULT expression (ClickHouse forbids one on a column added to the sorting
-- key), so rows stored before this migration, and inserts that omit it, get the type's default,
-- 1970-01-01: from the beginning, as before. Ingestion records a strategy first seen that way and
-- a change from the exchange's time when it first sees it (maicro.ingest.strategies).
ALTER TABLE maicro_logs.account_strategies
    ADD COLUMN IF NOT EXISTS valid_from DateTime64(3, 'UTC')
        COMMENT 'the account runs strategy from this time until its next row (1970: from the start)'
        AFTER strategy,
    MODIFY ORDER BY (account, valid_from);
