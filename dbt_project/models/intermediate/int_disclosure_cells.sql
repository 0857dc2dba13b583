-- Every cell disclosure control judges, with the primary rule applied and the cell described as sums over
-- inner cells (unit × answer code), so that int_disclosure_control can find every additive relation between
-- cells generically: a cell's n_base sums its units × base codes, its successes its units × success codes,
-- its "vet ikke" its units × don't-know codes.
--   * published cells: one per indicator × item × population × year estimated (int_indicator_estimates);
--     its units are the population's respondent groups (seed populations.csv);
--   * hidden cells: a respondent group pooled into a published population of the indicator but not
--     published on its own (none with today's seed, where `alle` = stat + kommune and fylkeskommune is
--     published; kept so that a future pool stays safe). Differencing the pooled
--     population reveals it, so it is judged by the confidentiality rule (n_base) and protected like a
--     suppressed cell; it is never published, so the reliability rule does not apply to it.
-- A block (question × year) holds every cell whose relations can involve each other; block_codes lists the
-- answer codes given in it.
with answers as (
    select * from {{ ref('int_indicator_answers') }}
),

code_flags as (
    select
        indicator_id,
        item,
        survey_year,
        list_sort(list(distinct answer_code) filter (where is_success and is_in_base)) as success_codes,
        list_sort(list(distinct answer_code) filter (where is_in_base)) as base_codes,
        list_sort(list(distinct answer_code) filter (where is_dont_know)) as dont_know_codes
    from answers
    where is_answered
    group by all
),

block_codes as (
    select question_id, survey_year, list_sort(list(distinct answer_code)) as block_codes
    from answers
    where is_answered
    group by all
),

published as (
    select
        estimate.indicator_id,
        estimate.item,
        estimate.question_id,
        estimate.survey_year,
        estimate.population as cell,
        true as is_published,
        population.respondent_groups as units,
        estimate.n_base,
        estimate.share,
        {{ primary_suppression_reason('estimate.n_base', 'estimate.share', 'estimate.n_effective') }}
            as primary_reason
    from {{ ref('int_indicator_estimates') }} as estimate
    inner join {{ ref('stg_populations') }} as population using (population)
),

group_bases as (
    select
        indicator_id,
        item,
        question_id,
        survey_year,
        respondent_group,
        count(distinct respondent_id) filter (where is_in_base) as n_base
    from answers
    group by all
),

hidden as (
    select
        group_bases.indicator_id,
        group_bases.item,
        group_bases.question_id,
        group_bases.survey_year,
        group_bases.respondent_group as cell,
        false as is_published,
        [group_bases.respondent_group] as units,
        cast(group_bases.n_base as integer) as n_base,
        null::double as share,
        case when group_bases.n_base < {{ var('min_base_n') }} then 'n_base' end as primary_reason
    from group_bases
    -- a group with no answers discloses nothing
    where group_bases.n_base > 0
    and not exists (
        select 1
        from published
        where published.indicator_id = group_bases.indicator_id
            and published.item is not distinct from group_bases.item
            and published.survey_year = group_bases.survey_year
            and published.units = [group_bases.respondent_group]
    )
),

cells as (
    select * from published
    union all
    select * from hidden
)

select
    cells.*,
    code_flags.success_codes,
    code_flags.base_codes,
    code_flags.dont_know_codes,
    block_codes.block_codes
from cells
inner join code_flags
    on cells.indicator_id = code_flags.indicator_id
    and cells.item is not distinct from code_flags.item
    and cells.survey_year = code_flags.survey_year
inner join block_codes
    on cells.question_id = block_codes.question_id
    and cells.survey_year = block_codes.survey_year
