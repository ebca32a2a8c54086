-- Every distinct Invoca transaction row received (originals, corrections), with its time.
select
    complete_call_id,
    transaction_id,
    corrects_transaction_id is not null as is_correction,
    {{ invoca_transaction_at() }} as transaction_at
from {{ source('invoca', 'transactions__history') }}
where complete_call_id is not null
