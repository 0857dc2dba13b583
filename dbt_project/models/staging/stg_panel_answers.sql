select
    survey_year,
    respondent_key,
    question_id,
    answer_code
from {{ source('raw', 'panel_answers') }}
