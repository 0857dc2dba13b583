-- Every respondent's categories in the breakdowns of its survey as one number, its profile: respondents with
-- the same categories share it, and a model that counts answers per profile instead of per respondent
-- (int_disclosure_atoms, int_breakdown_estimates) costs what the few profiles cost. The number's digits are
-- the categories' numbers (int_breakdown_categories); int_profile_categories reads them back. A respondent
-- with no category has no row (profile 0). Cast to bigint: should the digits ever not fit, the build fails.
select
    respondent.survey,
    respondent.survey_year,
    respondent.respondent_id,
    sum(category.category_number * category.place)::bigint as profile_id
from {{ ref('int_respondent_breakdowns') }} as respondent
inner join {{ ref('int_breakdown_categories') }} as category using (survey, breakdown, category)
group by respondent.survey, respondent.survey_year, respondent.respondent_id
