-- The families and their titles, so a BI tool or the figure book can head a chart without a second copy.
select
    family,
    'mart_' || family as table_name,
    cast(sort_order as integer) as sort_order,
    title_no,
    title_en
from {{ ref('indicator_family_titles') }}
