-- Every respondent's category in every breakdown of its survey (seed breakdowns.csv), one row per respondent ×
-- year × breakdown. A respondent without the characteristic is `ukjent`, so a breakdown's categories always
-- partition the respondents: their cells sum to the headline cell, which disclosure control relies on.
-- A view: each reader reads it once (int_breakdown_categories for the categories, int_respondent_profiles to make
-- each respondent's categories one number, int_breakdown_answers for the organisations alone), and writing three
-- rows per panel respondent out first cost more than the unpivot does twice.
{{ config(materialized='view') }}
with panel as (
    unpivot (
        select
            survey_year,
            respondent_number::varchar as respondent_id,  -- as in int_answers_long
            coalesce(nullif(trim(gender), ''), 'ukjent') as gender,
            coalesce(nullif(trim(age_group), ''), 'ukjent') as age_group,
            coalesce(nullif(trim(region), ''), 'ukjent') as region
        from {{ ref('stg_panel_respondents') }}
    )
    on gender, age_group, region
    into name breakdown value category
),

-- AI adopters: the organisation's own answer that year to the indicator that defines the breakdown
-- (breakdowns.csv defined_by_indicator: ai_adoption), judged by its success codes (one definition of "has
-- adopted AI", the headline's).
adoption as (
    select
        answer.survey_year,
        answer.orgnr,
        case
            when list_contains(indicator.success_codes, answer.answer_code) then 'adopter'
            else 'non_adopter'
        end as category
    from {{ ref('stg_org_answers') }} as answer
    inner join {{ ref('stg_breakdowns') }} as breakdown
        on breakdown.breakdown = 'ai_adopter'
    inner join {{ ref('stg_indicator_catalogue') }} as indicator
        on breakdown.defined_by_indicator = indicator.indicator_id
        and indicator.item_key = ''
        and answer.question_id = indicator.question_id
),

org as (
    select
        respondent.survey_year,
        respondent.orgnr as respondent_id,
        'ai_adopter' as breakdown,
        -- not known to use AI (vet ikke or blank) counts as non_adopter: a separate `ukjent` of a few
        -- organisations would be confidential in every block (seeds/breakdowns.csv)
        coalesce(adoption.category, 'non_adopter') as category
    from {{ ref('stg_org_respondents') }} as respondent
    left join adoption using (survey_year, orgnr)
),

-- Municipalities by county, harmonised to the 2024 counties (dim_municipality), whatever the survey year.
county as (
    select
        respondent.survey_year,
        respondent.orgnr as respondent_id,
        'county_2024' as breakdown,
        coalesce(municipality.county_2024_name, 'ukjent') as category
    from {{ ref('stg_org_respondents') }} as respondent
    left join {{ ref('dim_municipality') }} as municipality
        on respondent.survey_year = municipality.survey_year
        and respondent.kommunenr = municipality.kommunenummer
    where respondent.sector = 'kommune'
),

respondents as (
    select 'panel' as survey, survey_year, respondent_id, breakdown, category from panel
    union all
    select 'org' as survey, survey_year, respondent_id, breakdown, category from org
    union all
    select 'org' as survey, survey_year, respondent_id, breakdown, category from county
)

select respondents.*
from respondents
-- only the breakdowns the seed declares
inner join {{ ref('stg_breakdowns') }} as breakdown
    on respondents.survey = breakdown.survey
    and respondents.breakdown = breakdown.breakdown
