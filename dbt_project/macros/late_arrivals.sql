{#- The incremental filter shared by the day-level models (DESIGN: late data).

    Selects the month partitions (`toYYYYMM(time_column)`) that received a raw row ingested
    within `late_arrival_lookback_hours` of the newest `max_ingested_at` the model already holds.
    Those whole months are recomputed and swapped in (insert_overwrite), so a late row changes
    exactly the days it belongs to, a re-run over the same data changes nothing, and a
    --full-refresh gives the same numbers as any sequence of incremental builds. -#}
{% macro affected_months(relation, time_column, ingested_column='ingested_at') -%}
    toYYYYMM({{ time_column }}) IN (
        SELECT DISTINCT toYYYYMM({{ time_column }})
        FROM {{ relation }}
        WHERE {{ ingested_column }} >= (
            SELECT max(max_ingested_at) - INTERVAL {{ var('late_arrival_lookback_hours') }} HOUR
            FROM {{ this }}
        )
    )
{%- endmacro %}
