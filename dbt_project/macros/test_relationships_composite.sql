{#- Generic test: every `columns` tuple of the model exists in `to` (a composite foreign key). -#}
{% test relationships_composite(model, to, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
where ({{ columns | join(', ') }}) not in (select {{ columns | join(', ') }} from {{ to }})
{% endtest %}
