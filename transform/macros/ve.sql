{#-
    A documented value table keyed by what the API may send: the bare name (several rows
    may share it: their descriptions joined with '; ', in table order) or "name - description"
    (one row). Which of the two the API sends is UNKNOWN (api-notes/veinvoicing.md §4.1).
-#}
{% macro ve_catalog_by_wire_value(catalog) -%}
    select name as wire_value, string_agg(description, '; ' order by number) as description
    from {{ catalog }}
    group by name
    union all
    select name || ' - ' || description as wire_value, min(description) as description
    from {{ catalog }}
    group by name || ' - ' || description
{%- endmacro %}
