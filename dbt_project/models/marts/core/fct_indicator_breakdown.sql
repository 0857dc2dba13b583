-- Every indicator × item × population × year broken down by the respondents' characteristics (seed
-- breakdowns.csv): the same statistics as fct_indicator, by the same macros (indicator_estimates,
-- indicator_facts), with disclosure control from the same engine and blocks. Changes are tested within the
-- same category; Benjamini–Hochberg runs within family × year × population × breakdown.
with facts as (
    {{ indicator_facts(
        ref('int_breakdown_estimates'), ref('int_breakdown_change_overlap'), ['breakdown', 'category'],
        bh_partition='family, survey_year, population, breakdown'
    ) }}
)

select
    facts.*,
    breakdown.label_no as breakdown_label_no,
    breakdown.label_en as breakdown_label_en
from facts
inner join {{ ref('stg_breakdowns') }} as breakdown using (breakdown)
