select
    survey_year,
    orgnr,
    question_id,
    answer_code
from {{ source('raw', 'org_answers') }}
