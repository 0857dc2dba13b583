select
    breakdown,
    survey,
    string_split(populations, '|') as populations,
    case when coalesce(trim(families), '') <> '' then string_split(families, '|') end as families,
    nullif(trim(defined_by_indicator), '') as defined_by_indicator,
    label_no,
    label_en,
    definition
from {{ ref('breakdowns') }}
