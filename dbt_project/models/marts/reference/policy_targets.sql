-- The government targets the report sets the survey figures against (not survey results), every target
-- year, so a chart can draw the whole path (80 % by 2025, 100 % by 2030) and not only the target in force.
select
    figure_id,
    indicator_id,
    population,
    target_year,
    target_pct,
    label_no,
    note
from {{ ref('stg_policy_targets') }}
