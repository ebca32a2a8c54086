-- One row per Ve transaction: its current version, with the documented descriptions of its
-- transactionType and transactionStatus.
with types as (
    {{ ve_catalog_by_wire_value(ref('ve_transaction_type_catalog')) }}
),

statuses as (
    {{ ve_catalog_by_wire_value(ref('ve_transaction_status_catalog')) }}
)

select
    tx."transactionId" as transaction_id,
    tx."transactionType" as transaction_type,
    types.description as transaction_type_description,
    tx."transactionStatus" as transaction_status,
    statuses.description as transaction_status_description,
    tx."creationDate" as created_at,
    tx."modifiedDate" as modified_at,
    tx."subInvoiceId" as sub_invoice_id,
    tx."commission" as commission,
    tx."commissionType" as commission_type,
    tx."orderNumber" as order_number,
    tx."total" as total,
    tx."currency" as currency,
    tx."invoiceCurrency" as invoice_currency,
    tx."conversionValue" as conversion_value,
    tx."email" as email,
    tx."promoCodeName" as promo_code_name,
    tx."checkOutDate" as checkout_at,
    tx."domain" as domain,
    tx."country" as country,
    tx._reconciled_versions as versions_received
from {{ source('veinvoicing', 'transactions') }} as tx
left join types on tx."transactionType" = types.wire_value
left join statuses on tx."transactionStatus" = statuses.wire_value
