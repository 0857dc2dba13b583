-- The post-strata of the calibrated municipal shares cover the frame: Σ N_h over the 2024 counties of
-- dim_municipality is the year's municipal frame in population_frame, for every calibrated cell.
-- A check on fct_indicator_calibrated in Dagster, the table it judges; it reads others beside it.
{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_calibrated'}}}) }}

select
    calibrated.indicator_id,
    calibrated.item,
    calibrated.year,
    calibrated.frame_size,
    frame.frame_size as population_frame_size
from {{ ref('fct_indicator_calibrated') }} as calibrated
left join {{ ref('stg_population_frame') }} as frame
    on frame.population = 'kommune'
    and calibrated.year = frame.survey_year
where calibrated.frame_size is distinct from frame.frame_size
