{#- Generic test: no two rows share the same values of `columns` (a composite key), without
    depending on dbt_utils (no package downloads: the machine has no internet). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count() as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having n_rows > 1
{% endtest %}
