-- Not an IT i praksis result: the report quotes these shares from Statens arbeidsgiverbarometer 2024.
-- They are carried as published, for reference beside the warehouse's own indicators.
select
    cast(year_from as integer) as year,
    population,
    item,
    label_no,
    value_pct,
    confidence,
    source as published_in,
    'Statens arbeidsgiverbarometer 2024' as external_source,
    true as is_external_source,
    note,
    figure_id
from {{ ref('stg_published_figures') }}
where indicator_id = 'ai_use_mode'
