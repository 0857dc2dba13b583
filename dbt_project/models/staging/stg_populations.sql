select
    population,
    survey,
    string_split(respondent_groups, '|') as respondent_groups,
    label_no,
    label_en
from {{ ref('populations') }}
