with figures as (
    select *
    from {{ ref('stg_published_figures') }}
    where value_pct is not null and not is_external_source
),

compared as (
    select
        figures.figure_id,
        figures.indicator_id,
        figures.item,
        figures.population,
        figures.year,
        figures.year_from,
        figures.year_to,
        figures.measure,
        figures.source,
        figures.confidence,
        figures.label_no,
        figures.note,
        figures.value_pct as published_pct,
        -- A published range (2021-2024) is one level for several years: compare with the mean yearly share.
        avg(warehouse.share_pct) as warehouse_pct,
        count(warehouse.share_pct) as n_years_compared
    from figures
    left join {{ ref('fct_indicator') }} as warehouse
        on figures.indicator_id = warehouse.indicator_id
        and figures.item is not distinct from warehouse.item
        and figures.population = warehouse.population
        and warehouse.year between figures.year_from and figures.year_to
    group by all
)

select
    figure_id,
    indicator_id,
    item,
    population,
    year,
    year_from,
    year_to,
    measure,
    source,
    confidence,
    label_no,
    published_pct,
    warehouse_pct,
    cast(n_years_compared as integer) as n_years_compared,
    warehouse_pct - published_pct as diff_pp,
    {{ var('reconciliation_tolerance_pp') }}::double as tolerance_pp,
    case
        when confidence = 'low' then null
        -- A figure the warehouse cannot reproduce for every year of its range is a mismatch, not a pass.
        when n_years_compared < year_to - year_from + 1 then false
        else abs(warehouse_pct - published_pct) <= {{ var('reconciliation_tolerance_pp') }}
    end as within_tolerance,
    note
from compared
