-- An answer counts once for every population whose respondent groups include its respondent's group
-- (an agency's answer counts for `stat` and for `alle`), restricted to the populations the indicator
-- is published for.
-- A view: each model that reads these rows aggregates them at once (the estimates, the breakdown estimates per
-- profile, the reconciliation's alternative bases, the organisations' change overlap), and joining the answers
-- to their populations and indicators again inside each costs less than writing them out, one row per answer ×
-- population × indicator.
{{ config(materialized='view') }}

{{ answers_by_indicator(
    ref('int_answers_long'),
    ['survey', 'survey_year', 'respondent_id', 'respondent_group', 'weight', 'question_id', 'answer_code',
     'is_answered', 'is_dont_know']
) }}
