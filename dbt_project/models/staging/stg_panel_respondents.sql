select
    survey_year,
    respondent_number,
    respondent_key,
    weight,
    gender,
    age_group,
    region,
    source_file,
    source_row,
    load_id
from {{ source('raw', 'panel_respondents') }}
