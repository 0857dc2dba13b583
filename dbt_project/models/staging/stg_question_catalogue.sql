select
    survey,
    question_id,
    survey_year,
    source_column,
    scale,
    min_code,
    max_code,
    dont_know_code,
    wording
from {{ ref('question_catalogue') }}
