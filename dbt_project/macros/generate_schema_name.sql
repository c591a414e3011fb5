{#- Every model lands in the `analytics` database (dbt-clickhouse: schema = database), never in
    a `<target>_<custom>` concatenation: reports, dashboard and grants all name `analytics`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name or target.schema }}
{%- endmacro %}
