select
    survey_year,
    population,
    frame_size,
    source
from {{ ref('population_frame') }}
