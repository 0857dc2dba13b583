select
    figure_id,
    indicator_id,
    population,
    cast(year as integer) as target_year,
    value_pct as target_pct,
    confidence,
    label_no,
    note
from {{ ref('published_figures') }}
where measure = 'policy_target'
