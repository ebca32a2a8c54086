{#- Every `key` has exactly one row whose boolean `flag` is true. -#}
{% test one_current_row_each(model, key, flag) %}
select {{ key }}, count(*) filter (where {{ flag }}) as current_rows
from {{ model }}
group by {{ key }}
having count(*) filter (where {{ flag }}) <> 1
{% endtest %}
