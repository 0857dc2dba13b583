-- Survey figures only: the policy targets (`T` rows) are not survey results and live in stg_policy_targets.
select
    figure_id,
    indicator_id,
    nullif(item, '') as item,
    {{ item_key('item') }} as item_key,
    population,
    year,
    cast(split_part(year, '-', 1) as integer) as year_from,
    cast(coalesce(nullif(split_part(year, '-', 2), ''), year) as integer) as year_to,
    value_pct,
    measure,
    measure = 'share' as is_external_source,
    source,
    confidence,
    label_no,
    note
from {{ ref('published_figures') }}
where measure <> 'policy_target'
