"""Replication of the raw databases from the local ClickHouse to the cloud one (issue 4).

`sync.replicate` sends every changed partition server-to-server and swaps it in atomically,
`verify.verify` compares both sides per (partition, day), `repair` re-sends what verify found.
docs/replication.md explains the design.
"""
