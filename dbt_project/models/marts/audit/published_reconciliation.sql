-- Every published figure beside the warehouse's value: a named, non-blocking warning (docs.md, reconciliation).
with figures as (
    select *
    from {{ ref('stg_published_figures') }}
    where value_pct is not null and not is_external_source
),

warehouse_values as (
    select
        figures.figure_id,
        -- A published range (2021-2024) is one level for several years: compare with the mean yearly share.
        avg(warehouse.share_pct) as warehouse_pct,
        count(warehouse.share_pct) as n_years_compared,
        count(*) filter (where warehouse.suppressed) as n_years_suppressed,
        -- the alternative definitions, only where every compared year has one
        case when count(sensitivity.share_dont_know_excluded) = count(warehouse.share_pct)
            then 100 * avg(sensitivity.share_dont_know_excluded) end as warehouse_pct_dont_know_excluded,
        case when count(sensitivity.share_with_group) = count(warehouse.share_pct)
            then 100 * avg(sensitivity.share_with_group) end as warehouse_pct_with_county_municipalities,
        case when count(sensitivity.share_without_group) = count(warehouse.share_pct)
            then 100 * avg(sensitivity.share_without_group) end as warehouse_pct_without_county_municipalities
    from figures
    left join {{ ref('fct_indicator') }} as warehouse
        on figures.indicator_id = warehouse.indicator_id
        and figures.item_key = {{ item_key('warehouse.item') }}
        and figures.population = warehouse.population
        and warehouse.year between figures.year_from and figures.year_to
    left join {{ ref('int_reconciliation_sensitivity') }} as sensitivity
        on warehouse.indicator_id = sensitivity.indicator_id
        and {{ item_key('warehouse.item') }} = sensitivity.item_key
        and warehouse.population = sensitivity.population
        and warehouse.year = sensitivity.survey_year
        and warehouse.share_pct is not null
    group by figures.figure_id
),

-- A figure can only be judged once the warehouse holds every survey year it covers: a warehouse loaded
-- up to 2024 has nothing to say about a 2025 figure yet, which is not a mismatch.
loaded_years as (
    select distinct year from {{ ref('fct_indicator') }}
),

coverage as (
    select figures.figure_id, count(loaded_years.year) as n_years_loaded
    from figures
    left join loaded_years on loaded_years.year between figures.year_from and figures.year_to
    group by figures.figure_id
)

select
    figures.* exclude (item_key, value_pct, is_external_source),
    figures.value_pct as published_pct,
    warehouse_values.warehouse_pct,
    cast(warehouse_values.n_years_compared as integer) as n_years_compared,
    warehouse_values.warehouse_pct - figures.value_pct as diff_pp,
    warehouse_values.warehouse_pct_dont_know_excluded,
    warehouse_values.warehouse_pct_with_county_municipalities,
    warehouse_values.warehouse_pct_without_county_municipalities,
    {{ var('reconciliation_tolerance_pp') }}::double as tolerance_pp,
    case
        when figures.confidence = 'low' then null
        when coverage.n_years_loaded < figures.year_to - figures.year_from + 1 then null
        -- The warehouse withholds the cell (disclosure control): there is no value to judge, and none is shown.
        when warehouse_values.n_years_suppressed > 0 then null
        -- A loaded year the warehouse cannot reproduce the figure for is a mismatch, not a pass.
        when warehouse_values.n_years_compared < figures.year_to - figures.year_from + 1 then false
        else abs(warehouse_values.warehouse_pct - figures.value_pct) <= {{ var('reconciliation_tolerance_pp') }}
    end as within_tolerance,
    case
        when figures.confidence = 'low' then 'not judged: low confidence reading'
        when coverage.n_years_loaded < figures.year_to - figures.year_from + 1 then 'not judged: year not loaded'
        when warehouse_values.n_years_suppressed > 0 then 'not judged: suppressed by disclosure control'
        when warehouse_values.n_years_compared < figures.year_to - figures.year_from + 1
            then 'outside tolerance: no warehouse value for a loaded year'
        when abs(warehouse_values.warehouse_pct - figures.value_pct) <= {{ var('reconciliation_tolerance_pp') }}
            then 'within tolerance'
        else 'outside tolerance'
    end as verdict
from figures
inner join warehouse_values using (figure_id)
inner join coverage using (figure_id)
