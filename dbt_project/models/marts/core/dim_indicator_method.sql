-- The estimand of every published indicator × item × population, as data: who is asked (universe), which
-- answers are in the base, the weighting, the variance method and what is known about comparability over
-- the years, and for municipalities the county-calibrated estimate beside the headline. Assembled from the
-- catalogues, the comparability seed and the build's vars, so it always says what this build did.
with published as (
    select
        indicator.*,
        unnest(indicator.populations) as population
    from {{ ref('stg_indicator_catalogue') }} as indicator
),

comparability as (
    select
        indicator_id,
        item_key,
        string_agg(
            from_year || '→' || to_year
                || (case when comparable then ' comparable: ' else ' NOT comparable: ' end) || note,
            ' | ' order by to_year
        ) as curated_pairs
    from {{ ref('stg_series_comparability') }}
    group by all
)

select
    published.indicator_id,
    published.item,
    published.population,
    published.family,
    published.measure,
    published.question_id,
    published.universe,
    'Success: answer codes ' || array_to_string(published.success_codes, ', ') || '. Base: every non-blank answer'
        || case when published.dont_know_in_base
            then ', "vet ikke" included (counted as not-success).'
            else ', "vet ikke" left out.'
        end
        || ' Evidence: ' || published.dont_know_evidence as base_rule,
    case when population.survey = 'panel'
        then 'Weighted by the delivered panel weight (Σw·success / Σw); Kish effective sample size (Σw)²/Σw².'
        else 'Unweighted: each responding organisation counts once.'
    end as weighting,
    'Wilson 95 % score interval on '
        || case
            when not {{ var('apply_fpc') }} and population.survey = 'panel'
                then 'the Kish effective sample size.'
            when not {{ var('apply_fpc') }}
                then 'n (no finite population correction: apply_fpc is off).'
            when len(population.respondent_groups) > 1
                then 'n_adj = p(1−p)/V, V the stratified variance over '
                    || array_to_string(population.respondent_groups, ' and ')
                    || ' with weights n_h/n and each stratum''s finite population correction where it has a frame.'
            when population.frame_required
                then 'n with the finite population correction (N from population_frame).'
            else 'n (no frame: no finite population correction).'
        end
        || case when population.survey = 'panel'
            then ' Change test: two independent samples.'
            else ' Change test: paired over the organisations in both years (orgnr), Var(Δ) = V₁ + V₂ − 2·Cov.'
        end
        || ' Benjamini–Hochberg q-values within family × year × population.' as variance_method,
    coalesce(
        comparability.curated_pairs,
        'No curated pair: consecutive years are compared unless the codebook shows a wording or scale change.'
    ) as comparability_note,
    population.estimand as population_estimand,
    -- Only municipalities have a frame by county (dim_municipality); docs.md, calibrated_share.
    case when published.population = 'kommune' then
        'marts.fct_indicator_calibrated: post-stratified over the 2024 counties, Σ_h (N_h/N)·p_h with N_h the'
        || ' municipalities of the year in county h (dim_municipality) and p_h its unweighted share under the base'
        || ' rule above. A county is its own post-stratum when its county_2024 cell in fct_indicator_breakdown is'
        || ' published; the others (no respondents, or a withheld cell) form one pooled post-stratum; a pooled'
        || ' post-stratum without respondents makes the estimate not available. Variance Σ_h W_h²·p_h(1−p_h)/n_h'
        || '·(N_h−n_h)/(N_h−1), W_h = N_h/N, Wilson 95 % interval on n_adj = p(1−p)/V. Published only where the'
        || ' headline cell is. Assumes municipalities answer at random within their county.'
    end as calibrated_method
from published
inner join {{ ref('stg_populations') }} as population
    on published.population = population.population
left join comparability
    on published.indicator_id = comparability.indicator_id
    and published.item_key = comparability.item_key
order by published.indicator_id, published.item, published.population
