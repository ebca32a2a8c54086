{#-
    The time Invoca reports for a transaction row: a correction's corrected_at; a Call's end
    (start_time_utc plus duration: the row is written when the call completes); a post-call
    event's signal_occurred_at; else the call's start (a Reported Conversion carries no time
    of its own). Each falls back to the next one when its columns are empty.
-#}
{% macro invoca_transaction_at() -%}
    coalesce(
        case when corrects_transaction_id is not null then corrected_at end,
        case when transaction_type = 'Call' then {{ epoch_ms_to_timestamptz('start_time_utc') }} + duration * interval '1 second' end,
        to_timestamp(signal_occurred_at),
        {{ epoch_ms_to_timestamptz('start_time_utc') }}
    )
{%- endmacro %}
