-- Each breakdown cell's estimate: population × breakdown × category, by the headline's method (macro
-- indicator_estimates), with the finite population correction where the category's frame is known (the
-- municipalities of a county: int_breakdown_frames) and var apply_fpc is on.
-- The answers are counted per respondent profile first (int_respondent_profiles: respondents with the same
-- categories), and each profile's counts then go to its category in every breakdown published for the
-- answer's population and family (breakdown_applies), as int_breakdown_answers puts each answer: the sums
-- are the same, and the rows joined follow the profiles, not the respondents times the breakdowns.
with profile_answers as (
    select
        answer.indicator_id,
        answer.item,
        answer.item_key,
        answer.family,
        answer.measure,
        answer.population,
        answer.survey,
        answer.question_id,
        answer.survey_year,
        answer.respondent_group,
        respondent.profile_id,
        answer.is_answered,
        answer.is_dont_know,
        answer.is_in_base,
        answer.is_success,
        count(*) as n,
        sum(answer.weight) as sum_weight,
        sum(answer.weight * answer.weight) as sum_weight2
    from {{ ref('int_indicator_answers') }} as answer
    inner join {{ ref('int_respondent_profiles') }} as respondent using (survey, survey_year, respondent_id)
    group by all
),

breakdown_answers as (
    select
        profile_answers.*,
        profile.breakdown,
        profile.category
    from profile_answers
    inner join {{ ref('int_profile_categories') }} as profile using (survey, profile_id)
    inner join {{ ref('stg_breakdowns') }} as breakdown
        on profile.breakdown = breakdown.breakdown
        and {{ breakdown_applies('breakdown', 'profile_answers') }}
)

select *
from (
    {{ indicator_estimates(
        'breakdown_answers', ['breakdown', 'category'], frames=ref('int_breakdown_frames'), counted=true
    ) }}
) as estimates
