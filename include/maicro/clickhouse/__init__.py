"""ClickHouse: the two servers (local store, cloud replica), their users, schema and clients."""
