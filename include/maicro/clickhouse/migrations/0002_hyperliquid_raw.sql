-- Raw Hyperliquid tables, one row per exchange record as the /info API returned it.
--
-- Why ReplacingMergeTree(ingested_at) everywhere: every fetch covers an explicit window and
-- windows may be re-run or overlap, so the same exchange record can be inserted more than once.
-- The ORDER BY is the record's natural key (low to high cardinality), so duplicates collapse to
-- the most recently ingested copy on merge, and readers that use FINAL (dbt staging does) never
-- see two rows for one record, merged or not. Numbers arrive as decimal strings and are stored
-- as Float64: sums over a day stay exact to far below a cent.

CREATE TABLE IF NOT EXISTS hyperliquid.account_snapshots
(
    account            LowCardinality(String) COMMENT 'lower-case 0x address',
    snapshot_at        DateTime64(3, 'UTC') COMMENT 'clearinghouseState.time',
    account_value      Float64 COMMENT 'marginSummary.accountValue',
    total_ntl_pos      Float64,
    total_raw_usd      Float64,
    total_margin_used  Float64,
    cross_account_value     Float64 COMMENT 'crossMarginSummary.accountValue',
    cross_total_ntl_pos     Float64,
    cross_total_raw_usd     Float64,
    cross_total_margin_used Float64,
    cross_maintenance_margin_used Float64,
    withdrawable       Float64,
    n_positions        UInt16,
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(snapshot_at)
ORDER BY (account, snapshot_at);

CREATE TABLE IF NOT EXISTS hyperliquid.position_snapshots
(
    account            LowCardinality(String),
    snapshot_at        DateTime64(3, 'UTC') COMMENT 'clearinghouseState.time of the snapshot',
    coin               LowCardinality(String),
    szi                Float64 COMMENT 'signed size, short < 0',
    entry_px           Float64,
    position_value     Float64 COMMENT 'abs(szi) * markPx',
    mark_px            Float64 COMMENT 'derived: position_value / abs(szi)',
    unrealized_pnl     Float64,
    return_on_equity   Float64,
    liquidation_px     Nullable(Float64),
    margin_used        Float64,
    max_leverage       UInt16,
    leverage_type      LowCardinality(String),
    leverage_value     Float64,
    cum_funding_all_time     Float64,
    cum_funding_since_open   Float64,
    cum_funding_since_change Float64,
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(snapshot_at)
ORDER BY (account, coin, snapshot_at);

CREATE TABLE IF NOT EXISTS hyperliquid.fills
(
    account            LowCardinality(String),
    time               DateTime64(3, 'UTC'),
    coin               LowCardinality(String),
    tid                UInt64 COMMENT 'trade id; (time, coin, tid) is the documented unique key',
    px                 Float64,
    sz                 Float64,
    side               LowCardinality(String) COMMENT 'B = buy, A = sell',
    start_position     Float64,
    dir                LowCardinality(String),
    closed_pnl         Float64 COMMENT 'gross of fees, excludes funding',
    hash               String,
    oid                UInt64,
    crossed            Bool COMMENT 'true = taker',
    fee                Float64 COMMENT 'positive = paid, negative = rebate; includes builder_fee',
    fee_token          LowCardinality(String),
    builder_fee        Nullable(Float64),
    twap_id            Nullable(UInt64),
    cloid              Nullable(String),
    liquidation        Nullable(String) COMMENT 'raw JSON of the liquidation object',
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(time)
ORDER BY (account, coin, time, tid);

CREATE TABLE IF NOT EXISTS hyperliquid.funding
(
    account            LowCardinality(String),
    time               DateTime64(3, 'UTC'),
    coin               LowCardinality(String),
    usdc               Float64 COMMENT 'positive = received',
    szi                Float64,
    funding_rate       Float64,
    n_samples          Nullable(UInt32),
    hash               String,
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(time)
ORDER BY (account, coin, time);

CREATE TABLE IF NOT EXISTS hyperliquid.ledger_updates
(
    account            LowCardinality(String),
    time               DateTime64(3, 'UTC'),
    hash               String,
    type               LowCardinality(String) COMMENT 'delta.type: deposit, withdraw, internalTransfer, ...',
    usdc               Float64 COMMENT 'amount as reported (unsigned)',
    fee                Float64 COMMENT 'fee charged on the update, 0 if none',
    net_usdc           Float64 COMMENT 'signed effect on the perp account value: + in, - out (fee included)',
    counterparty       Nullable(String) COMMENT 'destination/user on transfers',
    delta              String COMMENT 'raw JSON of delta',
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(time)
ORDER BY (account, time, hash, type);

CREATE TABLE IF NOT EXISTS hyperliquid.orders
(
    account            LowCardinality(String),
    oid                UInt64,
    status             LowCardinality(String) COMMENT 'open, filled, canceled, triggered, rejected, marginCanceled, ...',
    status_timestamp   DateTime64(3, 'UTC'),
    order_timestamp    DateTime64(3, 'UTC') COMMENT 'order.timestamp: when it was placed',
    coin               LowCardinality(String),
    side               LowCardinality(String),
    limit_px           Float64,
    sz                 Float64 COMMENT 'remaining size at status time',
    orig_sz            Float64,
    order_type         LowCardinality(String),
    tif                LowCardinality(String),
    reduce_only        Bool,
    is_trigger         Bool,
    trigger_px         Float64,
    trigger_condition  String,
    is_position_tpsl   Bool,
    cloid              Nullable(String),
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(status_timestamp)
ORDER BY (account, oid, status_timestamp, status);

CREATE TABLE IF NOT EXISTS hyperliquid.open_order_snapshots
(
    account            LowCardinality(String),
    snapshot_at        DateTime64(3, 'UTC'),
    oid                UInt64,
    order_timestamp    DateTime64(3, 'UTC'),
    coin               LowCardinality(String),
    side               LowCardinality(String),
    limit_px           Float64,
    sz                 Float64,
    orig_sz            Float64,
    order_type         LowCardinality(String),
    tif                LowCardinality(String),
    reduce_only        Bool,
    is_trigger         Bool,
    trigger_px         Float64,
    cloid              Nullable(String),
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(snapshot_at)
ORDER BY (account, snapshot_at, oid);

CREATE TABLE IF NOT EXISTS hyperliquid.candles
(
    coin               LowCardinality(String),
    interval           LowCardinality(String),
    open_time          DateTime64(3, 'UTC') COMMENT 't',
    close_time         DateTime64(3, 'UTC') COMMENT 'T',
    open               Float64,
    high               Float64,
    low                Float64,
    close              Float64,
    volume             Float64,
    n_trades           UInt64,
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(open_time)
ORDER BY (interval, coin, open_time);

CREATE TABLE IF NOT EXISTS hyperliquid.asset_contexts
(
    snapshot_at        DateTime64(3, 'UTC') COMMENT 'local clock when metaAndAssetCtxs was read',
    coin               LowCardinality(String),
    mark_px            Float64,
    mid_px             Nullable(Float64),
    oracle_px          Float64,
    funding            Float64 COMMENT 'current hourly funding rate',
    open_interest      Float64,
    prev_day_px        Float64,
    day_ntl_vlm        Float64,
    premium            Nullable(Float64),
    impact_bid_px      Nullable(Float64),
    impact_ask_px      Nullable(Float64),
    max_leverage       UInt16,
    sz_decimals        UInt8,
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(snapshot_at)
ORDER BY (coin, snapshot_at);

CREATE TABLE IF NOT EXISTS hyperliquid.mids
(
    snapshot_at        DateTime64(3, 'UTC') COMMENT 'local clock when allMids was read',
    coin               LowCardinality(String),
    mid_px             Float64,
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(snapshot_at)
ORDER BY (coin, snapshot_at);
