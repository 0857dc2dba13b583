-- One row per survey year × municipality valid that year (SSB classification 131, seed municipality_register),
-- with the county of that year and the county harmonised to the 2024 counties: a municipality of 2020-2023
-- is followed to its 2024 number through SSB's change table (the main successor of a split), so a county's
-- series runs across the 2024 county reform.
with register as (
    select * from {{ ref('stg_municipality_register') }}
),

coverage as (
    select min(valid_from_year) as first_year, max(valid_to_year) as last_year from register
),

-- Every year the register covers, and a loaded survey year after it: there the newest version applies, as
-- the delivery contract's kommunenummer rule does (docs/data_contract.md).
survey_years as (
    select unnest(range(first_year, last_year + 1)) as survey_year from coverage
    union
    select distinct respondents.survey_year
    from {{ ref('stg_org_respondents') }} as respondents, coverage
    where respondents.survey_year > coverage.last_year
),

in_year as (
    select
        survey_years.survey_year,
        register.*,
        survey_years.survey_year <= coverage.last_year as register_covers_year
    from survey_years
    cross join coverage
    inner join register
        on least(survey_years.survey_year, coverage.last_year)
            between register.valid_from_year and register.valid_to_year
),

register_2024 as (
    select * from register where 2024 between valid_from_year and valid_to_year
),

successor_2024 as (
    select kommunenummer_2023, kommunenummer_2024
    from {{ ref('stg_municipality_change_2024') }}
    where main_successor
)

select
    in_year.survey_year::integer as survey_year,
    in_year.kommunenummer,
    in_year.kommunenavn,
    in_year.county_number,
    in_year.county_name,
    register_2024.kommunenummer as kommunenummer_2024,
    register_2024.county_number as county_2024_number,
    register_2024.county_name as county_2024_name,
    in_year.classification_version,
    in_year.register_covers_year
from in_year
left join successor_2024
    on in_year.survey_year < 2024 and successor_2024.kommunenummer_2023 = in_year.kommunenummer
left join register_2024
    on register_2024.kommunenummer = case when in_year.survey_year < 2024 then successor_2024.kommunenummer_2024
                                           else in_year.kommunenummer end
order by survey_year, kommunenummer
