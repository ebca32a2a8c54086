{#-
    One row per entry of Invoca's nested custom_data array (Marketing Data and Signals):
    the relation's `columns`, then item_name (`name`, or `partner_name` as in one doc
    example), item_data_type (Signal, Category, Long Text, Short Text), item_text (the value
    as text) and signal_value (a Signal's true/false; 1/0 as an early doc draft wrote them;
    null otherwise). Rows whose custom_data is null or not an array give no entries.
-#}
{% macro custom_data_items(relation, columns) -%}
    {{ return(adapter.dispatch('custom_data_items', 'reconciled')(relation, columns)) }}
{%- endmacro %}

{% macro default__custom_data_items(relation, columns) -%}
    select
        {% for column in columns %}entries.{{ column }},
        {% endfor -%}
        coalesce(item ->> 'name', item ->> 'partner_name') as item_name,
        item ->> 'data_type' as item_data_type,
        item ->> 'value' as item_text,
        case
            when item ->> 'data_type' <> 'Signal' then null
            when jsonb_typeof(item -> 'value') = 'boolean' then (item ->> 'value')::boolean
            when jsonb_typeof(item -> 'value') = 'number' then (item ->> 'value')::numeric <> 0
        end as signal_value
    from {{ relation }} as entries
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(entries.custom_data::jsonb) = 'array' then entries.custom_data::jsonb else '[]'::jsonb end
    ) as items(item)
{%- endmacro %}

{% macro duckdb__custom_data_items(relation, columns) -%}
    select
        {% for column in columns %}{{ column }},
        {% endfor -%}
        coalesce(item ->> 'name', item ->> 'partner_name') as item_name,
        item ->> 'data_type' as item_data_type,
        item ->> 'value' as item_text,
        case
            when item ->> 'data_type' <> 'Signal' then null
            when json_type(item -> 'value') = 'BOOLEAN' then (item ->> 'value')::boolean
            when json_type(item -> 'value') in ('BIGINT', 'UBIGINT', 'DOUBLE') then (item ->> 'value')::double <> 0
        end as signal_value
    from (
        select
            {% for column in columns %}{{ column }},
            {% endfor -%}
            unnest(
                case when json_type(custom_data::json) = 'ARRAY' then json_extract(custom_data::json, '$[*]') else []::json[] end
            ) as item
        from {{ relation }}
    ) as entries
{%- endmacro %}
