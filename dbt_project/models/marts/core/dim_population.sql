-- The populations the marts publish, with what each estimates: a BI tool reads the estimand beside the
-- numbers instead of a wiki page.
select
    population,
    survey,
    array_to_string(respondent_groups, '|') as respondent_groups,
    frame_required,
    label_no,
    label_en,
    estimand
from {{ ref('stg_populations') }}
order by population
