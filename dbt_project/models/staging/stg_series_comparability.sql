select
    indicator_id,
    nullif(item, '') as item,
    {{ item_key('item') }} as item_key,
    from_year,
    to_year,
    comparable,
    note
from {{ ref('series_comparability') }}
