-- One row per Ve transaction and status version it passed through, from the history: each
-- distinct modifiedDate received is a step (a re-read of the same version counts once; the
-- later arrival wins). valid_to is the next step's modifiedDate, null on the current one.
with versions as (
    select
        "transactionId" as transaction_id,
        "transactionStatus" as status,
        "subInvoiceId" as sub_invoice_id,
        "modifiedDate" as valid_from,
        row_number() over (
            partition by "transactionId", "modifiedDate" order by _reconciled_seq desc
        ) as arrival_rank
    from {{ source('veinvoicing', 'transactions__history') }}
    where "modifiedDate" is not null
),

statuses as (
    {{ ve_catalog_by_wire_value(ref('ve_transaction_status_catalog')) }}
)

select
    versions.transaction_id,
    row_number() over steps as step,
    versions.status,
    statuses.description as status_description,
    versions.sub_invoice_id,
    versions.valid_from,
    lead(versions.valid_from) over steps as valid_to,
    lead(versions.valid_from) over steps is null as is_current
from versions
left join statuses on versions.status = statuses.wire_value
where versions.arrival_rank = 1
window steps as (partition by versions.transaction_id order by versions.valid_from)
