-- The same share under the alternative definitions a published figure may have used, computed from the
-- answers (int_indicator_answers' own base and success flags), for published_reconciliation:
--   * "vet ikke" left out of the base;
--   * for a pooled organisation population, with and without the respondent group of var
--     `reconciliation_sensitivity_group` (the county municipalities: the report surveys "alle statlige
--     virksomheter og kommuner", while the warehouse's pool may include them).
-- One row per indicator × item × population × year. Disclosure control: the share without "vet ikke" is
-- NULL where the cell is suppressed (elsewhere it follows from the published share, base and "vet ikke");
-- an alternative pool differs from published cells by one group and could reveal it, so it is shown only
-- where nothing in its indicator, item and year is protected (no cell suppressed, no small hidden group).
-- weighted_share: a DuckDB function created at on-run-start (macros/survey_statistics.sql).
{% set toggled = var('reconciliation_sensitivity_group') %}
{#- each alternative: which answers form its base (successes are the base's answers with is_success) -#}
{% set alternatives = {
    'share_dont_know_excluded': 'in_pool and is_answered and not is_dont_know',
    'share_with_group': '(in_pool or is_toggled_group) and is_in_base',
    'share_without_group': 'in_pool and not is_toggled_group and is_in_base'
} %}
with answers as (
    -- Each respondent's answer once, whatever populations it counts in. The distinct is over `item`, with
    -- item_key formed after it: the panel's weighted sums below add in the order these rows come, and a
    -- distinct over other keys would order them otherwise and move the last bits of those sums.
    select
        *,
        {{ item_key('item') }} as item_key
    from (
        select distinct
            indicator_id, item, survey, survey_year, respondent_id, respondent_group, weight,
            is_answered, is_dont_know, is_in_base, is_success
        from {{ ref('int_indicator_answers') }}
    )
),

pools as (
    select
        estimate.indicator_id,
        estimate.item,
        estimate.item_key,
        estimate.population,
        estimate.survey_year,
        population.respondent_groups,
        len(population.respondent_groups) > 1 and estimate.survey = 'org' as is_pooled_org
    from {{ ref('int_indicator_estimates') }} as estimate
    inner join {{ ref('stg_populations') }} as population using (population)
),

flagged as (
    select
        pools.indicator_id,
        pools.item,
        pools.item_key,
        pools.population,
        pools.survey_year,
        pools.is_pooled_org,
        answers.weight,
        answers.is_answered,
        answers.is_dont_know,
        answers.is_in_base,
        answers.is_success,
        list_contains(pools.respondent_groups, answers.respondent_group) as in_pool,
        answers.respondent_group = '{{ toggled }}' as is_toggled_group
    from pools
    inner join answers
        on pools.indicator_id = answers.indicator_id
        and pools.item_key = answers.item_key
        and pools.survey_year = answers.survey_year
),

shares as (
    select
        indicator_id,
        item,
        item_key,
        population,
        survey_year,
        is_pooled_org,
        {%- for name, base in alternatives.items() %}
        weighted_share(
            sum(weight) filter (where {{ base }} and is_success), sum(weight) filter (where {{ base }})
        ) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from flagged
    group by all
),

-- indicator × item × year where disclosure control protects a headline cell (the alternatives pool whole
-- respondent groups: sums of headline cells, which the breakdown cells' protection already allows for)
protected as (
    select distinct cells.indicator_id, cells.item_key, cells.survey_year
    from {{ ref('int_disclosure_cells') }} as cells
    left join {{ ref('int_disclosure_control') }} as control
        on cells.indicator_id = control.indicator_id
        and cells.item_key = control.item_key
        and cells.population = control.population
        and control.breakdown is null
        and cells.survey_year = control.survey_year
        and cells.is_published
    where cells.breakdown is null and (cells.primary_reason is not null or control.suppressed)
)

select
    shares.indicator_id,
    shares.item,
    shares.item_key,
    shares.population,
    shares.survey_year,
    case when not control.suppressed then shares.share_dont_know_excluded end as share_dont_know_excluded,
    case when protected.indicator_id is null and shares.is_pooled_org then shares.share_with_group end
        as share_with_group,
    case when protected.indicator_id is null and shares.is_pooled_org then shares.share_without_group end
        as share_without_group
from shares
inner join {{ ref('int_disclosure_control') }} as control
    on shares.indicator_id = control.indicator_id
    and shares.item_key = control.item_key
    and shares.population = control.population
    and control.breakdown is null
    and shares.survey_year = control.survey_year
left join protected
    on shares.indicator_id = protected.indicator_id
    and shares.item_key = protected.item_key
    and shares.survey_year = protected.survey_year
