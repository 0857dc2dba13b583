-- Each breakdown cell's estimate: population × breakdown × category, by the headline's method (macro
-- indicator_estimates), with the finite population correction where the category's frame is known (the
-- municipalities of a county: int_breakdown_frames) and var apply_fpc is on.
-- The answers are counted per respondent profile first (int_profile_answers: respondents with the same
-- categories), and each profile's counts then go to its category in every breakdown published for the
-- answer's population and family (breakdown_applies), as int_breakdown_answers puts each answer: the sums
-- are the same, and the rows joined follow the profiles, not the respondents times the breakdowns.
with profile_rows as (
    {{ answers_by_indicator(
        ref('int_profile_answers'),
        ['survey', 'survey_year', 'question_id', 'respondent_group', 'profile_id', 'answer_code', 'is_answered',
         'is_dont_know', 'n', 'sum_weight', 'sum_weight2']
    ) }}
),

profile_answers as (
    select
        indicator_id,
        item,
        item_key,
        family,
        measure,
        population,
        survey,
        question_id,
        survey_year,
        respondent_group,
        profile_id,
        is_answered,
        is_dont_know,
        is_in_base,
        is_success,
        sum(n)::bigint as n,
        sum(sum_weight) as sum_weight,
        sum(sum_weight2) as sum_weight2
    from profile_rows
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
