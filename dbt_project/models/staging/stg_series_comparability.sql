select
    indicator_id,
    item,
    from_year,
    to_year,
    comparable,
    note
from {{ ref('series_comparability') }}
