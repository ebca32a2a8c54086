-- The documented transactionStatus values (api-notes/veinvoicing.md §4.1) verbatim: names repeat
-- and typos are kept. number is the row of the developer portal's table.
select number, name, description
from (
    values
        (1, 'Pending', 'Describes the first state of a transaction'),
        (2, 'Approved', 'Describes the status, after customer validation'),
        (3, 'Cancelled (sold out)', 'Cancelled (sold out)'),
        (4, 'Cancelled (payment not cleared)', 'Cancelled (payment not cleared)'),
        (5, 'Cancelled (customer cancel)', 'Cancelled (customer cancel)'),
        (6, 'Cancelled (fraud)', 'Cancelled (fraud)'),
        (7, 'Approved', 'Waiting for min commision'),
        (8, 'Cancel (sold out)', 'Waiting for min commision'),
        (9, 'Cancelled (payment not cleared)', 'Waiting for min commision'),
        (10, 'Cancelled (customer cancel)', 'Waiting for min commision'),
        (11, 'Cancelled (fraud)', 'Waiting for min commision'),
        (12, 'Approved', 'Invoiced, charge'),
        (13, 'Cancelled (sold out)', 'Invoiced, no charge'),
        (14, 'Cancelled (payment not cleared)', 'Invoiced, no charge'),
        (15, 'Cancelled (customer cancel)', 'Invoiced, no charge'),
        (16, 'Cancelled (fraud)', 'Invoiced, no charge'),
        (17, 'Approved', 'Paid'),
        (18, 'Cancelled (sold out)', 'paid, no charge'),
        (19, 'Cancelled (payment not cleared)', 'paid, no charge'),
        (20, 'Cancelled (customer cancel)', 'paid, no charge'),
        (21, 'Cancelled (fraud)', 'paid, no charge'),
        (22, 'Cancelled (auto cancel)', 'Cancelled (Total or Order number not captured)'),
        (23, 'Cancelled (auto cancel)', 'Waiting for min commision'),
        (24, 'Cancelled (auto cancel)', 'Invoiced, no charge'),
        (25, 'Cancelled (auto cancel)', 'paid, no charge'),
        (26, 'Sent to Recurly', 'The transaction has been sent to recurly'),
        (27, 'Autocancelled not processed by Recurly', 'The transaction is autocancelled and has not been sent to recurly'),
        (28, 'Cancelled not processed by Recurly', 'The transaction is cancelled and has not been sent to recurly'),
        (29, 'Trial Period not processed by Recurly', 'The transaction is in trial period has not been sent to recurly')
) as catalog (number, name, description)
