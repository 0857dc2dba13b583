-- Every indicator × item × population × year broken down by the respondents' characteristics (seed
-- breakdowns.csv): the same statistics as fct_indicator, by the same macros (indicator_estimates,
-- indicator_facts), with disclosure control from the same engine and blocks. Changes are tested within the
-- same category; one Benjamini–Hochberg family is every change of one population × breakdown in one year
-- (the changes released together in that table), all categories and indicator families.
with facts as (
    {{ indicator_facts(
        ref('int_breakdown_estimates'), ref('int_breakdown_change_overlap'), 'fct_indicator_breakdown',
        ['survey_year', 'population', 'breakdown'], ['breakdown', 'category']
    ) }}
)

select
    facts.*,
    breakdown.label_no as breakdown_label_no,
    breakdown.label_en as breakdown_label_en
from facts
inner join {{ ref('stg_breakdowns') }} as breakdown using (breakdown)
