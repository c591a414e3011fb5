"""Ingestion: Hyperliquid /info records and strategy targets → the local ClickHouse raw tables.

`run.Ingestion` fetches one data type over one explicit window [start, end); one module per data
type turns API records into rows (`fills`, `funding`, `ledger`, `orders`, `candles`,
`snapshots`), `records` validates them (bad ones → `maicro_monitors.quarantine`), `writer`
stores them in batches as `maicro_ingest`. The DAG `ingest_hyperliquid` and `maicro ingest` are
two thin callers of the same code.
"""
