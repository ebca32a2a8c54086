-- One row per Invoca call (complete_call_id): the complete call record. See README.md.
with current_rows as (
    select * from {{ ref('stg_invoca_current') }}
),

per_call as (
    select
        complete_call_id,
        count(*) filter (where transaction_type = 'Call') as call_rows,
        count(*) filter (where transaction_type = 'Post Call Event') as post_call_event_rows,
        count(*) filter (where transaction_type in ('Reported Conversion', 'Sale')) as sale_rows,
        count(*) as transactions,
        sum(advertiser_payin_localized) as advertiser_payin_localized,
        sum(affiliate_payout_localized) as affiliate_payout_localized,
        sum(advertiser_call_fee_localized) as advertiser_call_fee_localized,
        sum(call_fee_localized) as call_fee_localized
    from current_rows
    group by complete_call_id
),

history as (
    select
        complete_call_id,
        count(distinct transaction_id) filter (where is_correction) as corrections_merged,
        min(transaction_at) as first_transaction_at,
        max(transaction_at) as last_transaction_at
    from {{ ref('stg_invoca_history') }}
    group by complete_call_id
),

-- The row the call's own attributes come from: its Call row (the one with the smallest
-- transaction_id when a bundled campaign gave it two), else its first other row.
call_row as (
    select *
    from (
        select
            current_rows.*,
            row_number() over (
                partition by complete_call_id
                order by case when transaction_type = 'Call' then 0 else 1 end, transaction_id
            ) as call_row_rank
        from current_rows
    ) as ranked
    where call_row_rank = 1
),

entries as (
    {{ custom_data_items(ref('stg_invoca_current'), ['complete_call_id', 'transaction_id', 'transaction_at']) }}
),

-- Invoca's rule: in transaction order a true value adds a Signal, a false one removes it,
-- null changes nothing; so a Signal ends with its last non-null value (a true wins a tie).
signal_finals as (
    select complete_call_id, item_name as signal_name, signal_value
    from (
        select
            complete_call_id,
            item_name,
            signal_value,
            row_number() over (
                partition by complete_call_id, item_name
                order by transaction_at desc nulls last, signal_value desc
            ) as latest
        from entries
        where signal_value is not null and item_name is not null
    ) as ranked
    where latest = 1
),

signals as (
    select
        per_call.complete_call_id,
        {{ sorted_list_agg('signal_finals.signal_name', 'signal_finals.signal_value') }} as signals,
        {{ json_object_agg('signal_finals.signal_name', 'signal_finals.signal_value', 'signal_finals.signal_name is not null') }}
            as signal_values
    from per_call
    left join signal_finals on per_call.complete_call_id = signal_finals.complete_call_id
    group by per_call.complete_call_id
),

-- Marketing Data (not Signals) of the call's own row, one value per name.
marketing_items as (
    select entries.complete_call_id, entries.item_name, max(entries.item_text) as item_text
    from entries
    inner join call_row
        on entries.complete_call_id = call_row.complete_call_id
        and entries.transaction_id = call_row.transaction_id
    where entries.item_data_type <> 'Signal' and entries.item_name is not null and entries.item_text is not null
    group by entries.complete_call_id, entries.item_name
),

marketing as (
    select
        complete_call_id,
        {{ json_object_agg('item_name', 'item_text', 'true') }} as marketing_data
    from marketing_items
    group by complete_call_id
)

select
    call_row.complete_call_id,
    call_row.transaction_id as call_transaction_id,
    per_call.call_rows > 0 as has_call_row,
    per_call.call_rows > 1 as is_bundled,
    {{ epoch_ms_to_timestamptz('call_row.start_time_utc') }} as start_at,
    case when call_row.transaction_type = 'Call' then call_row.duration end as duration,
    case when call_row.transaction_type = 'Call' then call_row.connect_duration end as connect_duration,
    case when call_row.transaction_type = 'Call' then call_row.ivr_duration end as ivr_duration,
    per_call.advertiser_payin_localized,
    per_call.affiliate_payout_localized,
    per_call.advertiser_call_fee_localized,
    per_call.call_fee_localized,
    per_call.transactions,
    per_call.call_rows,
    per_call.post_call_event_rows,
    per_call.sale_rows,
    coalesce(history.corrections_merged, 0) as corrections_merged,
    history.first_transaction_at,
    history.last_transaction_at,
    signals.signals,
    signals.signal_values,
    marketing.marketing_data,
    call_row.advertiser_id,
    call_row.advertiser_id_from_network,
    call_row.advertiser_name,
    call_row.advertiser_campaign_id,
    call_row.advertiser_campaign_name,
    call_row.affiliate_id,
    call_row.affiliate_id_from_network,
    call_row.affiliate_name,
    call_row.media_type,
    call_row.call_source_description,
    call_row.promo_line_description,
    call_row.virtual_line_id,
    call_row.calling_phone_number,
    call_row.mobile,
    call_row.city,
    call_row.region,
    call_row.hangup_cause,
    call_row.call_result_description_detail,
    call_row.recording
from call_row
inner join per_call on call_row.complete_call_id = per_call.complete_call_id
left join history on call_row.complete_call_id = history.complete_call_id
inner join signals on call_row.complete_call_id = signals.complete_call_id
left join marketing on call_row.complete_call_id = marketing.complete_call_id
