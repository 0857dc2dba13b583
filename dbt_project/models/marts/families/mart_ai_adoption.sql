-- Each survey year is set beside the government target in force for it: the nearest target year at or
-- after the survey year (80 % by the end of 2025, then 100 % by 2030). The targets are for all public
-- organisations, so they stand beside every population's line.
with adoption as (
    {{ indicator_family_mart('ai_adoption') }}
),

targets as (
    select target_year, target_pct, label_no
    from {{ ref('stg_policy_targets') }}
    where indicator_id = 'ai_adoption'
)

select
    adoption.*,
    targets.target_pct as policy_target_pct,
    targets.target_year as policy_target_year,
    targets.label_no as policy_target_label_no
from adoption
asof left join targets
    on targets.target_year >= adoption.year
