-- The exchange's own account-value history (`portfolio` /info request): one row per account,
-- window (day, week, month, allTime and the perp-only perpDay … perpAllTime) and point time.
-- Analytics compares it with the account value it derives from the PnL identity on days that
-- have no snapshot (backfills), so those days are checked against something the identity did
-- not produce.
-- ReplacingMergeTree(ingested_at) on the natural key (account, window, point_at): every run stores
-- the points inside its window, a re-run or an overlapping window rewrites the same keys, and the
-- most recent answer wins (the exchange may revise the point it reports for "now").
CREATE TABLE IF NOT EXISTS hyperliquid.portfolio_history
(
    account        LowCardinality(String) COMMENT 'lower-case 0x address',
    window         LowCardinality(String) COMMENT 'day, week, month, allTime, perpDay, perpWeek, perpMonth, perpAllTime',
    point_at       DateTime64(3, 'UTC') COMMENT 'the point''s time (accountValueHistory[i][0])',
    account_value  Float64 COMMENT 'accountValueHistory value at point_at',
    pnl            Nullable(Float64) COMMENT 'pnlHistory value at point_at (PnL since the window began); NULL if the exchange gave none',
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(point_at)
ORDER BY (account, window, point_at);
