{#- Epoch milliseconds (Invoca's start_time_utc) as a timestamp with time zone, exact to the ms. -#}
{% macro epoch_ms_to_timestamptz(ms) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamptz', 'reconciled')(ms)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamptz(ms) -%}
    (to_timestamp({{ ms }} / 1000) + ({{ ms }} % 1000) * interval '1 millisecond')
{%- endmacro %}

{% macro duckdb__epoch_ms_to_timestamptz(ms) -%}
    timezone('UTC', epoch_ms(cast({{ ms }} as bigint)))
{%- endmacro %}
