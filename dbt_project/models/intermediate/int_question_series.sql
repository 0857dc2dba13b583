with asked as (
    select
        survey,
        question_id,
        survey_year,
        scale,
        wording,
        lag(survey_year) over question_years as previous_year,
        lag(scale) over question_years as previous_scale,
        lag(wording) over question_years as previous_wording
    from {{ ref('stg_codebook') }}
    window question_years as (partition by survey, question_id order by survey_year)
)

select
    * exclude (previous_scale),
    previous_year is not null
        and (wording is distinct from previous_wording or scale is distinct from previous_scale) as series_break
from asked
