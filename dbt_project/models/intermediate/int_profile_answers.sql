-- The answers counted per respondent profile: one row per survey × year × question × respondent group × profile ×
-- answer code, with the number of answers and the sums of their weights and squared weights. Respondents with the
-- same categories in every breakdown share a profile (int_respondent_profiles; 0: no category known), so this is
-- the one query that reads every answer with its respondent's profile; disclosure control's atoms and the
-- breakdown estimates, which both count per profile, read its few thousand rows instead.
select
    answer.survey,
    answer.survey_year,
    answer.question_id,
    answer.respondent_group,
    coalesce(respondent.profile_id, 0) as profile_id,
    answer.answer_code,
    answer.is_answered,
    answer.is_dont_know,
    count(*) as n,
    sum(answer.weight) as sum_weight,
    sum(answer.weight * answer.weight) as sum_weight2
from {{ ref('int_answers_long') }} as answer
left join {{ ref('int_respondent_profiles') }} as respondent using (survey, survey_year, respondent_id)
group by all
