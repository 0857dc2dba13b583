-- The frame of every breakdown category that has one: the municipalities of each county (2024 counties,
-- dim_municipality) in each year, for the county_2024 breakdown of respondent group kommune. A category
-- without a row here (an AI adopter, a panel age group) has no known frame, so its interval takes no finite
-- population correction.
select
    survey_year,
    'kommune' as respondent_group,
    'county_2024' as breakdown,
    county_2024_name as category,
    cast(count(*) as integer) as frame_size
from {{ ref('dim_municipality') }}
group by all
