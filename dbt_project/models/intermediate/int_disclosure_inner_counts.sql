-- The true count of every inner cell (atom × answer code) of every question × year: what the published cells
-- are sums of. int_disclosure_control's feasibility check needs it to know the values an intruder would see;
-- nothing here is published.
select
    answers.question_id,
    answers.survey_year,
    atoms.atom as unit,
    answers.answer_code,
    count(distinct answers.respondent_id) as n
from {{ ref('int_distribution_answers') }} as answers
inner join {{ ref('int_disclosure_atoms') }} as atoms using (question_id, survey_year, respondent_id)
where answers.is_answered
group by all
