"""Fixtures for tests and benchmarks that are not part of the running system: e.g. loading a
simulator's whole history straight into ClickHouse through ingestion's own parsers."""
