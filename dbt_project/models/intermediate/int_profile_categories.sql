-- The categories of every profile number in use (int_respondent_profiles), read back from its digits: one row
-- per profile × breakdown in which it has a category.
select
    profile.survey,
    profile.profile_id,
    category.breakdown,
    category.category
from (select distinct survey, profile_id from {{ ref('int_respondent_profiles') }}) as profile
inner join {{ ref('int_breakdown_categories') }} as category
    on profile.survey = category.survey
    and (profile.profile_id // category.place) % category.radix = category.category_number
