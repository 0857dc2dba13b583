-- Unit response of the organisation survey: one row per population × survey year, and for municipalities
-- one row per 2024 county × survey year. The survey is a census of its frame (every unit is invited and
-- every frame unit is taken as eligible), so the response rate is AAPOR's RR2 with e = 1: responding
-- units / frame units. A unit responds when its delivered row has at least one non-blank answer ("vet
-- ikke" counts, as it does in the headline base), so no indicator's base can exceed it.
with respondents as (
    select
        respondent.survey_year,
        respondent.sector as respondent_group,
        respondent.orgnr,
        respondent.kommunenr,
        coalesce(bool_or(answer.answer_code is not null), false) as is_responding
    from {{ ref('stg_org_respondents') }} as respondent
    left join {{ ref('stg_org_answers') }} as answer
        on respondent.survey_year = answer.survey_year
        and respondent.orgnr = answer.orgnr
    group by all
),

loaded_years as (
    select distinct survey_year from respondents
),

population_groups as (
    select
        population,
        unnest(respondent_groups) as respondent_group
    from {{ ref('stg_populations') }}
    where survey = 'org'
),

-- A population's frame is known when every respondent group it pools has one (population_frame).
population_frames as (
    select
        population_groups.population,
        loaded_years.survey_year,
        case when count(frame.frame_size) = count(*) then sum(frame.frame_size) end as frame_units,
        string_agg(
            population_groups.respondent_group || ': '
            || coalesce(
                frame.source,
                'no frame. No published count says which state bodies the survey is sent to: the report says only'
                || ' "alle statlige virksomheter", and what counts as one state agency (an agency with its'
                || ' regional offices, a directorate with its units) is not a published number, so no'
                || ' response rate is given'
            ),
            '; ' order by population_groups.respondent_group
        ) as frame_source
    from population_groups
    cross join loaded_years
    left join {{ ref('stg_population_frame') }} as frame
        on population_groups.respondent_group = frame.population
        and loaded_years.survey_year = frame.survey_year
    group by all
),

population_response as (
    select
        population_groups.population,
        respondents.survey_year,
        count(*) as delivered_units,
        count(*) filter (where respondents.is_responding) as responding_units
    from respondents
    inner join population_groups on respondents.respondent_group = population_groups.respondent_group
    group by all
),

-- Municipalities by county: the frame is every municipality valid that year (dim_municipality), counted in
-- its 2024 county, so each county's frame and response run across the 2024 county reform.
county_frames as (
    select
        municipality.survey_year,
        municipality.county_2024_name as county,
        count(*) as frame_units
    from {{ ref('dim_municipality') }} as municipality
    inner join loaded_years on municipality.survey_year = loaded_years.survey_year
    group by all
),

county_response as (
    select
        respondents.survey_year,
        municipality.county_2024_name as county,
        count(*) as delivered_units,
        count(*) filter (where respondents.is_responding) as responding_units
    from respondents
    inner join {{ ref('dim_municipality') }} as municipality
        on respondents.survey_year = municipality.survey_year
        and respondents.kommunenr = municipality.kommunenummer
    where respondents.respondent_group = 'kommune'
    group by all
),

rates as (
    select
        population_frames.population,
        population_frames.survey_year,
        null::varchar as breakdown,
        null::varchar as category,
        population_frames.frame_units,
        coalesce(population_response.delivered_units, 0) as delivered_units,
        coalesce(population_response.responding_units, 0) as responding_units,
        population_frames.frame_source
    from population_frames
    left join population_response
        on population_frames.population = population_response.population
        and population_frames.survey_year = population_response.survey_year
    union all
    select
        'kommune' as population,
        county_frames.survey_year,
        'county_2024' as breakdown,
        county_frames.county as category,
        county_frames.frame_units,
        coalesce(county_response.delivered_units, 0) as delivered_units,
        coalesce(county_response.responding_units, 0) as responding_units,
        'marts.dim_municipality: the municipalities valid that year (SSB classification 131) in this 2024 county'
            as frame_source
    from county_frames
    left join county_response
        on county_frames.survey_year = county_response.survey_year
        and county_frames.county = county_response.county
)

select
    population,
    survey_year::integer as year,
    breakdown,
    category,
    frame_units::integer as frame_units,
    delivered_units::integer as delivered_units,
    responding_units::integer as responding_units,
    100.0 * responding_units / nullif(frame_units, 0) as response_rate_pct,
    frame_source
from rates
order by population, year, breakdown nulls first, category
