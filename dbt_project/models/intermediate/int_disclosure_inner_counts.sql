-- The true count of every inner cell (atom × answer code) of every question × year: what the published cells
-- are sums of. int_disclosure_control's feasibility check needs it to know the values an intruder would see;
-- nothing here is published. int_disclosure_atoms counts each respondent's answer once, under its atom.
select
    question_id,
    survey_year,
    atom as unit,
    answer_code,
    sum(n)::bigint as n
from {{ ref('int_disclosure_atoms') }}
group by question_id, survey_year, atom, answer_code
