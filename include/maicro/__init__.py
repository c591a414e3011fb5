"""maicro-monitors: trading accountability for Hyperliquid perpetuals.

The package holds every piece of logic (clients, simulator, ClickHouse servers and schema,
replication, reporting, CLI) as plain functions, so that Airflow DAGs only wire them and tests
can call them without Airflow.
"""
