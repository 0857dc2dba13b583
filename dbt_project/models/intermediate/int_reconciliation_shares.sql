-- The share of every indicator × item × population × year under the alternative definitions a published figure
-- may have used (int_reconciliation_sensitivity says which, and publishes them under disclosure control),
-- computed from the answers: int_indicator_answers' own base and success flags. Unprotected, so never published
-- as it stands. A model of its own, apart from the disclosure control it is published under: it reads every
-- answer, and so builds while disclosure control does, not after it.
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
)

select * from shares
