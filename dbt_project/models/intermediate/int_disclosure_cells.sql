-- Every cell disclosure control judges, with the primary rule applied and the cell described as sums over
-- inner cells (unit × answer code), so that int_disclosure_control can find every additive relation between
-- cells generically: a cell's n_base sums its units × base codes, its successes its units × success codes,
-- its "vet ikke" its units × don't-know codes.
--   * units: the atoms of the cell's respondents (int_disclosure_atoms), the finest classes of respondents
--     in the block;
--   * published cells: one per indicator × item × population × year estimated (int_indicator_estimates,
--     breakdown and category NULL), one per breakdown category (int_breakdown_estimates), and one per
--     answer code of every answer distribution (int_distribution_estimates; indicator_id
--     `answer_distribution`, item_key `<question_id>=<code>`, its base every non-blank answer);
--   * hidden cells: a respondent group pooled into a published population of the indicator but not
--     published on its own (seeds/populations.csv pools none: `alle` = stat + kommune, and fylkeskommune
--     is published; the rule keeps any other pool safe). Differencing the pooled
--     population reveals it, so it is judged by the confidentiality rule (n_base) and protected like a
--     withheld cell; it is never published, so reliability does not apply to it.
-- Each published cell also carries what int_disclosure_control's reliability rule reads: its survey, share,
-- effective n and census_width_pp, the width of its published Wilson interval (on n_adjusted: with the finite
-- population correction where the frame is known, docs/disclosure.md).
-- withhold_order: when a complement is needed, an answer distribution's codes (0) go before breakdown
-- categories (1), and those before headline cells (2), so detail tables never cost a headline figure that
-- another cell can protect.
-- A block (question × year) holds every cell whose relations can involve each other; block_codes lists the
-- answer codes given in it.
-- Every relation below is worked out per atom, not per respondent: int_disclosure_atoms has counted the answers
-- per atom and answer code, and these counts are read with the rules that count each answer in its cells
-- (macros answers_by_indicator, answers_by_population, breakdown_applies), so a cell holds exactly the atoms of
-- the respondents whose answers it counts.
with atoms as (
    select * from {{ ref('int_disclosure_atoms') }}
),

indicator_atoms as (
    {{ answers_by_indicator('atoms', [
        'survey', 'survey_year', 'question_id', 'respondent_group', 'atom', 'categories', 'answer_code',
        'is_answered', 'is_dont_know', 'n'
    ]) }}
),

distribution_atoms as (
    {{ answers_by_population('atoms') }}
),

code_flags as (
    select
        indicator_id,
        item_key,
        survey_year,
        list_sort(list(distinct answer_code) filter (where is_success and is_in_base)) as success_codes,
        list_sort(list(distinct answer_code) filter (where is_in_base)) as base_codes,
        list_sort(list(distinct answer_code) filter (where is_dont_know)) as dont_know_codes
    from indicator_atoms
    group by all
),

block_codes as (
    select question_id, survey_year, list_sort(list(distinct answer_code)) as block_codes
    from distribution_atoms
    group by all
),

-- the breakdown cells an atom's answers count in: its categories in the breakdowns published for the
-- indicator's population and family
breakdown_atoms as (
    select
        answers.*,
        struct_extract(answers.entry, 'breakdown') as breakdown,
        struct_extract(answers.entry, 'category') as category
    from (select *, unnest(categories) as entry from indicator_atoms) as answers
    inner join {{ ref('stg_breakdowns') }} as breakdown
        on struct_extract(answers.entry, 'breakdown') = breakdown.breakdown
        and {{ breakdown_applies('breakdown', 'answers') }}
),

cell_units as (
    select
        indicator_id,
        item_key,
        population,
        breakdown,
        category,
        survey_year,
        list_sort(list(distinct atom)) as units
    from (
        select
            indicator_id, item_key, population, null::varchar as breakdown, null::varchar as category, survey_year, atom
        from indicator_atoms
        union all
        select indicator_id, item_key, population, breakdown, category, survey_year, atom
        from breakdown_atoms
    ) as cell_atoms
    group by all
),

distribution_units as (
    select
        question_id,
        survey_year,
        population,
        list_sort(list(distinct atom)) as units
    from distribution_atoms
    group by all
),

distribution as (
    select
        'answer_distribution' as indicator_id,
        estimate.question_id || '=' || estimate.answer_code as item_key,
        estimate.question_id,
        estimate.survey_year,
        estimate.population,
        null::varchar as breakdown,
        null::varchar as category,
        true as is_published,
        0 as withhold_order,
        distribution_units.units,
        estimate.n_asked as n_base,
        estimate.share,
        -- "vet ikke" given by none (or all) of a group is no answer to protect, and the headline cells publish
        -- the "vet ikke" count anyway: for that code only the minimum frequency rule applies
        {{ confidentiality_reason(
            'estimate.n_asked',
            'case when estimate.answer_code is distinct from codebook.dont_know_code then estimate.share end'
        ) }} as primary_reason,
        estimate.survey,
        estimate.n_effective,
        wilson_width_pp(estimate.share, estimate.n_adjusted) as census_width_pp,
        [estimate.answer_code] as success_codes,
        block_codes.block_codes as base_codes,
        list_filter([codebook.dont_know_code], lambda code: code is not null) as dont_know_codes,
        block_codes.block_codes
    from {{ ref('int_distribution_estimates') }} as estimate
    inner join distribution_units
        on estimate.question_id = distribution_units.question_id
        and estimate.survey_year = distribution_units.survey_year
        and estimate.population = distribution_units.population
    inner join block_codes
        on estimate.question_id = block_codes.question_id
        and estimate.survey_year = block_codes.survey_year
    inner join {{ ref('stg_codebook') }} as codebook
        on estimate.survey = codebook.survey
        and estimate.survey_year = codebook.survey_year
        and estimate.question_id = codebook.question_id
),

estimates as (
    select *, null::varchar as breakdown, null::varchar as category from {{ ref('int_indicator_estimates') }}
    union all by name
    select * from {{ ref('int_breakdown_estimates') }}
),

published as (
    select
        estimate.indicator_id,
        estimate.item_key,
        estimate.question_id,
        estimate.survey_year,
        estimate.population,
        estimate.breakdown,
        estimate.category,
        true as is_published,
        case when estimate.breakdown is null then 2 else 1 end as withhold_order,
        cell_units.units,
        estimate.n_base,
        estimate.share,
        {{ confidentiality_reason('estimate.n_base', 'estimate.share') }} as primary_reason,
        estimate.survey,
        estimate.n_effective,
        wilson_width_pp(estimate.share, estimate.n_adjusted) as census_width_pp
    from estimates as estimate
    inner join cell_units
        on estimate.indicator_id = cell_units.indicator_id
        and estimate.item_key = cell_units.item_key
        and estimate.population = cell_units.population
        -- NULL on both sides for a headline cell, which has no breakdown (int_disclosure_control's key)
        and estimate.breakdown is not distinct from cell_units.breakdown
        and estimate.category is not distinct from cell_units.category
        and estimate.survey_year = cell_units.survey_year
),

-- each respondent of a respondent group once: the indicator's answers repeat a respondent in every population
-- that pools its group, each time with the same answers, so the group's first such population is read
group_populations as (
    select indicator_id, item_key, survey_year, respondent_group, min(population) as population
    from indicator_atoms
    group by all
),

-- a respondent has one atom in a question × year, so a group's base is the sum of its atoms' bases
group_atoms as (
    select
        answers.indicator_id,
        answers.item_key,
        answers.question_id,
        answers.survey_year,
        answers.respondent_group,
        answers.survey,
        answers.atom,
        coalesce(sum(answers.n) filter (where answers.is_in_base), 0) as n_base
    from indicator_atoms as answers
    inner join group_populations using (indicator_id, item_key, survey_year, respondent_group, population)
    group by all
),

group_bases as (
    select
        indicator_id,
        item_key,
        question_id,
        survey_year,
        respondent_group,
        survey,
        sum(n_base)::bigint as n_base,
        list_sort(list(atom)) as units
    from group_atoms
    group by all
),

hidden as (
    select
        group_bases.indicator_id,
        group_bases.item_key,
        group_bases.question_id,
        group_bases.survey_year,
        group_bases.respondent_group as population,
        null::varchar as breakdown,
        null::varchar as category,
        false as is_published,
        2 as withhold_order,
        group_bases.units,
        cast(group_bases.n_base as integer) as n_base,
        null::double as share,
        case when group_bases.n_base < {{ var('min_base_n') }} then 'n_base' end as primary_reason,
        group_bases.survey,
        null::double as n_effective,
        null::double as census_width_pp
    from group_bases
    -- a group with no answers discloses nothing
    where group_bases.n_base > 0
    and not exists (
        select 1
        from published
        inner join {{ ref('stg_populations') }} as population using (population)
        where published.indicator_id = group_bases.indicator_id
            and published.item_key = group_bases.item_key
            and published.survey_year = group_bases.survey_year
            and published.breakdown is null
            and population.respondent_groups = [group_bases.respondent_group]
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
    and cells.item_key = code_flags.item_key
    and cells.survey_year = code_flags.survey_year
inner join block_codes
    on cells.question_id = block_codes.question_id
    and cells.survey_year = block_codes.survey_year
union all
select * from distribution
