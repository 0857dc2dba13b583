select
    survey_year,
    orgnr,
    lower(trim(sector)) as sector,
    nullif(trim(kommunenr), '') as kommunenr,
    source_file,
    source_row,
    load_id
from {{ source('raw', 'org_respondents') }}
