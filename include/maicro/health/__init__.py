"""Pipeline health: checks, the data-feed latency probe, and alerts with memory.

`monitor.run_once()` is one monitor_health run (probe, checks, store, alerts); `maicro health` and
the DAG both call it. Thresholds, reminder interval and recipients come from one YAML
(`config.py`, default `health.yaml` next to this file).
"""
