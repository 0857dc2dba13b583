-- The true count of every inner cell (atom × answer code) of every question × year: what the published cells
-- are sums of. int_disclosure_control's feasibility check needs it to know the values an intruder would see;
-- nothing here is published.
-- The answers repeat a respondent in every population that pools its group: each respondent's answer is
-- taken once (a plain DISTINCT, which DuckDB can spill) and then counted per atom.
select
    answers.question_id,
    answers.survey_year,
    atoms.atom as unit,
    answers.answer_code,
    count(*) as n
from (
    select distinct question_id, survey_year, respondent_id, answer_code
    from {{ ref('int_distribution_answers') }}
    where is_answered
) as answers
inner join {{ ref('int_disclosure_atoms') }} as atoms using (question_id, survey_year, respondent_id)
group by all
