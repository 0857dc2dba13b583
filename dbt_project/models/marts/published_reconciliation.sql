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
        count(warehouse.share_pct) as n_years_compared
    from figures
    left join {{ ref('fct_indicator') }} as warehouse
        on figures.indicator_id = warehouse.indicator_id
        and figures.item is not distinct from warehouse.item
        and figures.population = warehouse.population
        and warehouse.year between figures.year_from and figures.year_to
    group by figures.figure_id
)

select
    figures.* exclude (value_pct, is_external_source),
    figures.value_pct as published_pct,
    warehouse_values.warehouse_pct,
    cast(warehouse_values.n_years_compared as integer) as n_years_compared,
    warehouse_values.warehouse_pct - figures.value_pct as diff_pp,
    {{ var('reconciliation_tolerance_pp') }}::double as tolerance_pp,
    case
        when figures.confidence = 'low' then null
        -- A figure the warehouse cannot reproduce for every year of its range is a mismatch, not a pass.
        when warehouse_values.n_years_compared < figures.year_to - figures.year_from + 1 then false
        else abs(warehouse_values.warehouse_pct - figures.value_pct) <= {{ var('reconciliation_tolerance_pp') }}
    end as within_tolerance
from figures
inner join warehouse_values using (figure_id)
