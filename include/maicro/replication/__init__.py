"""Replication of the raw databases from the local ClickHouse to the cloud one.

`run.replicate` and `run.verify` are the entry points (connections, target, record); per table,
`sync` sends every changed partition server-to-server and swaps it in atomically, `verify`
compares both sides per (partition, day); `repair` re-sends what verify found; `reports` holds
what each run found.
docs/replication.md explains the design.
"""
