select
    population,
    survey,
    string_split(respondent_groups, '|') as respondent_groups,
    frame_required,
    label_no,
    label_en,
    estimand
from {{ ref('populations') }}
