-- Each account snapshot carries its open positions (clearinghouseState.assetPositions with
-- szi != 0) as parallel arrays, in the order the exchange listed them. The exchange delivers
-- them in one response, so storing them with the snapshot costs nothing, while regrouping
-- position_snapshots rows per snapshot is the most expensive step of positions-vs-targets and
-- tracking error.
-- position_snapshots keeps every field of every position, one row each.
ALTER TABLE hyperliquid.account_snapshots
    ADD COLUMN IF NOT EXISTS position_coins Array(LowCardinality(String))
        COMMENT 'coin of each open position (szi != 0) of assetPositions, in the order served'
        AFTER n_positions,
    ADD COLUMN IF NOT EXISTS position_szis Array(Float64)
        COMMENT 'signed size of position_coins[i] (short < 0)' AFTER position_coins,
    ADD COLUMN IF NOT EXISTS position_mark_pxs Array(Float64)
        COMMENT 'mark price of position_coins[i] (positionValue / |szi|)' AFTER position_szis;

-- Snapshots stored before this migration get their positions from position_snapshots (sorted
-- by coin, so that both servers write the same arrays). The rewritten row is stamped now: it
-- replaces the old one (ReplacingMergeTree keeps the newest ingested_at) and incremental dbt
-- models see it as new. Re-running it finds nothing left to fill.
INSERT INTO hyperliquid.account_snapshots
    (account, snapshot_at, account_value, total_ntl_pos, total_raw_usd, total_margin_used,
     cross_account_value, cross_total_ntl_pos, cross_total_raw_usd, cross_total_margin_used,
     cross_maintenance_margin_used, withdrawable, n_positions,
     position_coins, position_szis, position_mark_pxs, ingested_at)
SELECT
    a.account, a.snapshot_at, a.account_value, a.total_ntl_pos, a.total_raw_usd,
    a.total_margin_used, a.cross_account_value, a.cross_total_ntl_pos, a.cross_total_raw_usd,
    a.cross_total_margin_used, a.cross_maintenance_margin_used, a.withdrawable, a.n_positions,
    arrayMap(x -> x.1, p.positions), arrayMap(x -> x.2, p.positions),
    arrayMap(x -> x.3, p.positions), now64(3)
FROM hyperliquid.account_snapshots AS a FINAL
INNER JOIN (
    SELECT account, snapshot_at, arraySort(groupArray((toString(coin), szi, mark_px))) AS positions
    FROM hyperliquid.position_snapshots FINAL
    WHERE szi != 0
    GROUP BY account, snapshot_at
) AS p ON a.account = p.account AND a.snapshot_at = p.snapshot_at
WHERE empty(a.position_coins);
