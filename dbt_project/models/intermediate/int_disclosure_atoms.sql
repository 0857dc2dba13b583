-- Every respondent of every question × year with its atom: the finest class of respondents disclosure control
-- tells apart, respondent group × the respondent's category in every breakdown published in the block (e.g.
-- `kommune|ai_adopter=adopter`). Every published cell is a set of atoms, so a population is the sum of its
-- groups and a breakdown's categories sum to their population — and across breakdowns (gender × age) the same
-- atoms carry every relation (int_disclosure_cells, int_disclosure_inner_counts).
-- The breakdown answers repeat a respondent's category for every item and population: the distinct categories
-- are taken first, and only those are written out as text.
with breakdown_categories as (
    select distinct question_id, survey_year, respondent_id, breakdown, category
    from {{ ref('int_breakdown_answers') }}
    where is_answered
),

respondent_categories as (
    select distinct question_id, survey_year, respondent_id, breakdown || '=' || category as category
    from breakdown_categories
)

select
    respondent.question_id,
    respondent.survey_year,
    respondent.respondent_id,
    respondent.respondent_group,
    concat_ws('|', respondent.respondent_group, array_to_string(
        list_sort(list(categories.category) filter (where categories.category is not null)), '|'
    )) as atom
from (
    select distinct question_id, survey_year, respondent_id, respondent_group
    from {{ ref('int_distribution_answers') }}
    where is_answered
) as respondent
left join respondent_categories as categories using (question_id, survey_year, respondent_id)
group by respondent.question_id, respondent.survey_year, respondent.respondent_id, respondent.respondent_group
