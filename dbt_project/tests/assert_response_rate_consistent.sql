-- The response rate agrees with the estimates and the frames it is read beside: no indicator's base exceeds
-- the responding units of its population and year, a population's frame is population_frame's (the sum
-- over its respondent groups), and the county rows add up to the municipal total. A row here is a
-- contradiction between two published tables.
-- A check on fct_response_rate in Dagster, the table it judges; it reads others beside it.
{{ config(meta={'dagster': {'ref': {'name': 'fct_response_rate'}}}) }}

with indicator_base as (
    select population, year, max(n_base) as max_n_base
    from {{ ref('fct_indicator') }}
    where survey = 'org'
    group by all
),

county_total as (
    select year, sum(frame_units) as frame_units, sum(responding_units) as responding_units
    from {{ ref('fct_response_rate') }}
    where breakdown = 'county_2024'
    group by all
),

municipal as (
    select rate.year, rate.frame_units, rate.responding_units, frame.frame_size
    from {{ ref('fct_response_rate') }} as rate
    inner join {{ ref('stg_population_frame') }} as frame
        on rate.population = frame.population
        and rate.year = frame.survey_year
    where rate.population = 'kommune' and rate.breakdown is null
)

select
    'n_base above responding_units' as problem,
    indicator_base.population,
    indicator_base.year
from indicator_base
left join {{ ref('fct_response_rate') }} as rate
    on indicator_base.population = rate.population
    and indicator_base.year = rate.year
    and rate.breakdown is null
where rate.responding_units is null or indicator_base.max_n_base > rate.responding_units
union all
select 'kommune frame differs from population_frame' as problem, 'kommune' as population, municipal.year
from municipal
where municipal.frame_units is distinct from municipal.frame_size
union all
select 'county rows do not add up to the municipal total' as problem, 'kommune' as population, municipal.year
from municipal
left join county_total on municipal.year = county_total.year
where county_total.frame_units is distinct from municipal.frame_units
    or county_total.responding_units is distinct from municipal.responding_units
