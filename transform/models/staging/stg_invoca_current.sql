-- One row per original Invoca transaction, as corrected: the reconciled current table,
-- with the time the API reports for the transaction (see invoca_transaction_at).
select
    *,
    {{ invoca_transaction_at() }} as transaction_at
from {{ source('invoca', 'transactions') }}
where complete_call_id is not null
