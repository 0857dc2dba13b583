-- int_indicator_answers for the breakdowns: an answer counts once for every breakdown published for its
-- population and indicator family (seed breakdowns.csv), under its respondent's category.
-- A view: the breakdowns multiply the answers (three rows per panel answer), and only
-- int_breakdown_change_overlap reads them, for the organisations alone (int_breakdown_estimates counts the same
-- rows per respondent profile).
{{ config(materialized='view') }}

select
    answer.*,
    respondent.breakdown,
    respondent.category
from {{ ref('int_indicator_answers') }} as answer
inner join {{ ref('stg_breakdowns') }} as breakdown
    on {{ breakdown_applies('breakdown', 'answer') }}
inner join {{ ref('int_respondent_breakdowns') }} as respondent
    on answer.survey = respondent.survey
    and answer.survey_year = respondent.survey_year
    and answer.respondent_id = respondent.respondent_id
    and breakdown.breakdown = respondent.breakdown
