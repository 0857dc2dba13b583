select
    indicator_id,
    nullif(item, '') as item,
    {{ item_key('item') }} as item_key,
    question_id,
    measure,
    family,
    string_split(populations, '|') as populations,
    cast(string_split(success_codes, '|') as integer[]) as success_codes,
    dont_know_in_base,
    dont_know_evidence,
    universe,
    label_no,
    label_en
from {{ ref('indicator_catalogue') }}
