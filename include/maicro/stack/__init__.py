"""The one-machine stack for development and the demo: `maicro demo`/`stop`, the processes it
starts and stops, the git-ignored `.env` writer and the environment Airflow runs with.

Nothing in the pipeline itself (ingestion, replication, analytics, reports) imports this package.
"""
