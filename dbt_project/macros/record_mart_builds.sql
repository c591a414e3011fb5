{#- on-run-end: record each model this invocation built in analytics.mart_builds (migration
    0028). The reports need to know that the marts were built AFTER a period's replication was
    verified (maicro.reports.completeness); dbt knows that best, for every way it is run. A
    database without the table (a test that dropped `analytics`) records nothing. -#}
{% macro record_mart_builds(results) %}
  {%- if execute and adapter.get_relation(database=none, schema='analytics', identifier='mart_builds') -%}
    {%- set rows = [] -%}
    {%- for result in results if result.node.resource_type == 'model' and result.status == 'success' -%}
      {%- do rows.append("('" ~ result.node.name ~ "', '" ~ invocation_id ~ "', parseDateTime64BestEffort('" ~ run_started_at.isoformat() ~ "', 3, 'UTC'))") -%}
    {%- endfor -%}
    {%- if rows -%}
      INSERT INTO analytics.mart_builds (model, invocation_id, run_started_at) VALUES {{ rows | join(', ') }}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}
