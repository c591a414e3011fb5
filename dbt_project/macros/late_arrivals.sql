{#- The incremental filters shared by the day-level models (docs/analytics.md, "Incremental models and late data").

    What to recompute is decided by a query run when the model is compiled, right before it
    runs (its parents are built by then), and inlined as literals: the model's SQL can use it
    in several places for the price of one query, and literal partition values let ClickHouse
    skip every other month's parts. -#}

{#- The ingestion time after which raw rows may be new to this model: `late_arrival_lookback_hours`
    before the newest `max_ingested_at` it already holds (replication can deliver a row that was
    ingested locally before the last build). Compared with `>`: with a lookback of 0, exactly
    the rows newer than everything the model holds. -#}
{% macro ingested_cutoff(watermark_column='max_ingested_at') -%}
    (SELECT max({{ watermark_column }}) - INTERVAL {{ var('late_arrival_lookback_hours') }} HOUR FROM {{ this }})
{%- endmacro %}

{#- The distinct YYYYMM values `months_sql` (one integer column) returns, sorted; [] at parse
    time, and for an empty result (which the driver may return without any column). -#}
{% macro month_values(months_sql) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query(months_sql) -%}
    {%- if result.columns | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(result.columns[0].values() | map('int') | unique | sort | list) }}
{% endmacro %}

{#- The same months as a SQL list literal; `(0)` (no month) when there are none. -#}
{% macro month_list(months_sql) -%}
    {%- set months = month_values(months_sql) -%}
    ({{ months | join(', ') if months else '0' }})
{%- endmacro %}

{#- Selects the month partitions (`toYYYYMM(time_column)`) that received a raw row ingested
    after `ingested_cutoff()`. Those whole months are recomputed and swapped in
    (insert_overwrite), so a late row changes exactly the days it belongs to, a re-run over the
    same data changes nothing, and a --full-refresh gives the same numbers as any sequence of
    incremental builds. -#}
{% macro affected_months(relation, time_column, ingested_column='ingested_at') -%}
    toYYYYMM({{ time_column }}) IN {{ month_list(
        'SELECT DISTINCT toYYYYMM(' ~ time_column ~ ') FROM ' ~ relation
        ~ ' WHERE ' ~ ingested_column ~ ' > ' ~ ingested_cutoff()) }}
{%- endmacro %}
