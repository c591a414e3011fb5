"""Airflow task priorities: the path a fill takes to the marts goes first.

On 2 cores the executor's slots are contested every minute: ingest's tasks, replicate's, the
transform's one `dbt build` (cosmos: absolute weight 20) and its ~68 per-model status sensors
(absolute weight 2), monitor_health's and the reports'. Airflow queues by priority weight, and
under the default `downstream` rule an ingest task weighs 1: it waited behind the previous
transform run's sensors, which only report what the build already did. Ingest and replicate
move the data, so they outrank everything; the build comes next (cosmos' 20).
"""

FRESHNESS_PATH = {"priority_weight": 30, "weight_rule": "absolute"}
