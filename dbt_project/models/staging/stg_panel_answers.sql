select
    survey_year,
    respondent_number,
    question_id,
    answer_code
from {{ source('raw', 'panel_answers') }}
