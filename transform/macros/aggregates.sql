{#- The sorted, distinct values of `expr` over the rows where `condition` holds; empty, not null, when none. -#}
{% macro sorted_list_agg(expr, condition) -%}
    {{ return(adapter.dispatch('sorted_list_agg', 'reconciled')(expr, condition)) }}
{%- endmacro %}

{% macro default__sorted_list_agg(expr, condition) -%}
    coalesce(array_agg(distinct {{ expr }} order by {{ expr }}) filter (where {{ condition }}), cast('{}' as text[]))
{%- endmacro %}

{% macro duckdb__sorted_list_agg(expr, condition) -%}
    coalesce(list_sort(list(distinct {{ expr }}) filter (where {{ condition }})), cast([] as varchar[]))
{%- endmacro %}

{#- A JSON object of `key` -> `value` over the rows where `condition` holds (keys distinct); {} when none. -#}
{% macro json_object_agg(key, value, condition) -%}
    {{ return(adapter.dispatch('json_object_agg', 'reconciled')(key, value, condition)) }}
{%- endmacro %}

{% macro default__json_object_agg(key, value, condition) -%}
    coalesce(jsonb_object_agg({{ key }}, {{ value }}) filter (where {{ condition }}), '{}'::jsonb)
{%- endmacro %}

{% macro duckdb__json_object_agg(key, value, condition) -%}
    coalesce(
        to_json(map_from_entries(list({'key': {{ key }}, 'value': {{ value }}} order by {{ key }}) filter (where {{ condition }}))),
        '{}'::json
    )
{%- endmacro %}
