-- The breakdowns of fct_indicator_breakdown as data: what splits which populations and families, and how a
-- respondent's category is found (seed breakdowns.csv).
select
    breakdown,
    survey,
    populations,
    families,
    defined_by_indicator,
    label_no,
    label_en,
    definition
from {{ ref('stg_breakdowns') }}
order by breakdown
