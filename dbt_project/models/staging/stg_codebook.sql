select
    survey_year,
    survey,
    source_column,
    question_id,
    scale,
    min_code,
    max_code,
    dont_know_code,
    -- Whitespace differences between deliveries must not read as a changed question (series_break).
    regexp_replace(trim(wording), '\s+', ' ', 'g') as wording
from {{ source('raw', 'codebook') }}
