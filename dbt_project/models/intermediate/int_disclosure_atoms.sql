-- The answers of every question × year counted per atom and answer code. An atom is the finest class of
-- respondents disclosure control tells apart: respondent group × the respondent's category in every breakdown
-- published in the block for its group (e.g. `kommune|ai_adopter=adopter|county_2024=Agder`). Every published
-- cell is a set of atoms, so a population is the sum of its groups and a breakdown's categories sum to their
-- population — and across breakdowns (gender × age) the same atoms carry every relation
-- (int_disclosure_cells, int_disclosure_inner_counts).
-- The cost follows the number of atoms, not of respondents: each respondent's categories are one profile
-- number a year (int_respondent_profiles), the answers are counted per profile (int_profile_answers), and only
-- the few profiles of each block are turned into atoms. A respondent answers a question once, so which breakdowns are
-- published for it in the block depends only on the question and its group (the breakdowns of every
-- indicator of the question, for every population that pools the group: answers_by_indicator,
-- breakdown_applies), never on the respondent.
-- each answered question of a respondent who counts in some population, once (profile 0: no category known)
with answer_counts as (
    select
        answer.survey,
        answer.survey_year,
        answer.question_id,
        answer.respondent_group,
        answer.profile_id,
        answer.answer_code,
        answer.is_answered,
        answer.is_dont_know,
        answer.n
    from {{ ref('int_profile_answers') }} as answer
    where answer.is_answered
        and exists (
            select 1 from {{ ref('stg_populations') }} as population
            where {{ pools_group('population', 'answer') }}
        )
),

-- the breakdowns published in a block for a respondent group: those of every indicator row its answers count in
indicator_rows as (
    {{ answers_by_indicator('answer_counts', ['survey', 'question_id', 'respondent_group']) }}
),

block_breakdowns as (
    select distinct
        indicator_rows.survey,
        indicator_rows.question_id,
        indicator_rows.respondent_group,
        breakdown.breakdown
    from indicator_rows
    inner join {{ ref('stg_breakdowns') }} as breakdown
        on {{ breakdown_applies('breakdown', 'indicator_rows') }}
),

block_profiles as (
    select distinct survey, survey_year, question_id, respondent_group, profile_id
    from answer_counts
),

block_categories as (
    select
        block.*,
        profile.breakdown,
        profile.category
    from block_profiles as block
    inner join {{ ref('int_profile_categories') }} as profile using (survey, profile_id)
    inner join block_breakdowns using (survey, question_id, respondent_group, breakdown)
),

atoms as (
    select
        block.survey,
        block.survey_year,
        block.question_id,
        block.respondent_group,
        block.profile_id,
        concat_ws('|', block.respondent_group, array_to_string(
            list_sort(list(categories.breakdown || '=' || categories.category)
                filter (where categories.breakdown is not null)), '|'
        )) as atom,
        list_sort(list(struct_pack(breakdown := categories.breakdown, category := categories.category))
            filter (where categories.breakdown is not null)) as categories
    from block_profiles as block
    left join block_categories as categories
        using (survey, survey_year, question_id, respondent_group, profile_id)
    group by block.survey, block.survey_year, block.question_id, block.respondent_group, block.profile_id
)

select
    answers.survey,
    answers.survey_year,
    answers.question_id,
    answers.respondent_group,
    atoms.atom,
    any_value(atoms.categories) as categories,
    answers.answer_code,
    answers.is_answered,
    answers.is_dont_know,
    sum(answers.n)::bigint as n
from answer_counts as answers
inner join atoms using (survey, survey_year, question_id, respondent_group, profile_id)
group by answers.survey, answers.survey_year, answers.question_id, answers.respondent_group, atoms.atom,
    answers.answer_code, answers.is_answered, answers.is_dont_know
