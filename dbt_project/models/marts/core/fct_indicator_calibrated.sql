-- The municipal headline share post-stratified over the 2024 counties, beside the unweighted share: one row
-- per indicator × item × year of population kommune (fct_indicator's key). docs.md (calibrated_share)
-- states the estimator, its variance and the rules below; dim_indicator_method states it per row.
-- Calls weighted_share, fpc_factor, stratum_variance_term, stratum_inverse_n_term, n_adjusted_from_variance,
-- wilson_low, wilson_high and z_critical_95 (macros/survey_statistics.sql).
with headline as (
    select
        estimate.indicator_id,
        estimate.item,
        estimate.item_key,
        estimate.family,
        estimate.measure,
        estimate.survey_year,
        estimate.n_base,
        published.share_pct,
        published.suppressed
    from {{ ref('int_indicator_estimates') }} as estimate
    inner join {{ ref('fct_indicator') }} as published
        on estimate.indicator_id = published.indicator_id
        and estimate.item is not distinct from published.item
        and estimate.population = published.population
        and estimate.survey_year = published.year
    where estimate.population = 'kommune'
),

-- N_h: the municipalities valid that year, counted in their 2024 county.
county_frame as (
    select
        survey_year,
        county_2024_name as county,
        count(*) as frame_units
    from {{ ref('dim_municipality') }}
    group by all
),

-- n_h and the successes of each county cell (its unrounded share), with the cell's published suppression.
county_cell as (
    select
        estimate.indicator_id,
        estimate.item_key,
        estimate.survey_year,
        estimate.category as county,
        estimate.n_base,
        estimate.sum_w * estimate.share as n_success,
        published.suppressed
    from {{ ref('int_breakdown_estimates') }} as estimate
    inner join {{ ref('fct_indicator_breakdown') }} as published
        on estimate.indicator_id = published.indicator_id
        and estimate.item is not distinct from published.item
        and estimate.population = published.population
        and estimate.breakdown = published.breakdown
        and estimate.category = published.category
        and estimate.survey_year = published.year
    where estimate.population = 'kommune' and estimate.breakdown = 'county_2024'
),

-- Every county of the frame for every headline cell, and a respondent category outside the frame (ukjent).
county_member as (
    select headline.indicator_id, headline.item_key, headline.survey_year, county_frame.county
    from headline
    inner join county_frame on headline.survey_year = county_frame.survey_year
    union
    select indicator_id, item_key, survey_year, county
    from county_cell
),

-- A county is its own post-stratum when its cell is published in fct_indicator_breakdown. Every other
-- county (no respondents, a cell withheld by disclosure control) and a category outside the frame (ukjent) is
-- collapsed into one pooled post-stratum: no adjacency of counties is carried to choose a neighbour, and
-- pooling every withheld cell keeps the estimate a function of published numbers (the pooled successes are
-- the headline's minus the published counties'), so it reveals no withheld cell.
poststratum as (
    select
        county_member.indicator_id,
        county_member.item_key,
        county_member.survey_year,
        case
            when county_frame.county is not null and not coalesce(county_cell.suppressed, true)
                then county_member.county
        end as county,
        count(*) as n_counties,
        coalesce(sum(county_frame.frame_units), 0) as frame_units,
        coalesce(sum(county_cell.n_base), 0) as n_base,
        coalesce(sum(county_cell.n_success), 0) as n_success
    from county_member
    left join county_frame
        on county_member.survey_year = county_frame.survey_year
        and county_member.county = county_frame.county
    left join county_cell
        on county_member.indicator_id = county_cell.indicator_id
        and county_member.item_key = county_cell.item_key
        and county_member.survey_year = county_cell.survey_year
        and county_member.county = county_cell.county
    group by all
),

weighted as (
    select
        *,
        frame_units / sum(frame_units) over cell as stratum_weight,
        weighted_share(n_success, n_base) as stratum_share,
        fpc_factor(n_base, frame_units) as fpc
    from poststratum
    window cell as (partition by indicator_id, item_key, survey_year)
),

-- Σ_h W_h·p_h and its stratified variance Σ_h W_h²·p_h(1−p_h)/n_h·(N_h−n_h)/(N_h−1) (Cochran 1977, ch. 5).
-- A post-stratum with frame units and no respondent has no p_h: the estimate is then not available.
calibrated as (
    select
        indicator_id,
        item_key,
        survey_year,
        sum(frame_units) as frame_size,
        count(*) filter (where county is not null) as n_county_poststrata,
        coalesce(sum(n_counties) filter (where county is null), 0) as n_counties_pooled,
        coalesce(sum(frame_units) filter (where county is null), 0) as frame_units_pooled,
        coalesce(sum(n_base) filter (where county is null), 0) as n_base_pooled,
        bool_or(n_base = 0 and frame_units > 0) as has_poststratum_without_respondents,
        sum(stratum_weight * stratum_share) filter (where n_base > 0) as share,
        sum(stratum_variance_term(stratum_weight, stratum_share, n_base, fpc)) filter (where n_base > 0)
            as variance,
        sum(stratum_inverse_n_term(stratum_weight, n_base, fpc)) filter (where n_base > 0) as inverse_n
    from weighted
    group by all
),

assessed as (
    select
        headline.*,
        calibrated.* exclude (indicator_id, item_key, survey_year, share, variance, inverse_n),
        case
            when headline.suppressed then 'headline_suppressed'
            when calibrated.has_poststratum_without_respondents then 'poststratum_without_respondents'
        end as calibrated_withheld_reason,
        calibrated.share,
        calibrated.variance,
        n_adjusted_from_variance(calibrated.share, calibrated.variance, calibrated.inverse_n) as n_adjusted
    from headline
    inner join calibrated
        on headline.indicator_id = calibrated.indicator_id
        and headline.item_key = calibrated.item_key
        and headline.survey_year = calibrated.survey_year
)

select
    indicator_id,
    item,
    'kommune' as population,
    survey_year::integer as year,
    family,
    measure,
    n_base::integer as n_base,
    frame_size::integer as frame_size,
    n_county_poststrata::integer as n_county_poststrata,
    n_counties_pooled::integer as n_counties_pooled,
    frame_units_pooled::integer as frame_units_pooled,
    n_base_pooled::integer as n_base_pooled,
    suppressed,
    calibrated_withheld_reason,
    share_pct as share_unweighted_pct,
    case when calibrated_withheld_reason is null then 100 * share end as share_calibrated_pct,
    case when calibrated_withheld_reason is null then 100 * sqrt(variance) end as se_calibrated_pct,
    case when calibrated_withheld_reason is null
        then 100 * wilson_low(share, n_adjusted, z_critical_95())
    end as ci_low_calibrated_pct,
    case when calibrated_withheld_reason is null
        then 100 * wilson_high(share, n_adjusted, z_critical_95())
    end as ci_high_calibrated_pct,
    case when calibrated_withheld_reason is null then 100 * share - share_pct end as difference_pp
from assessed
order by indicator_id, item, year
