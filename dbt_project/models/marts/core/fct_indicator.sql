-- The headline cell of every indicator × item × population × year (macro indicator_facts, shared with
-- fct_indicator_breakdown). The changes released together, and so one Benjamini–Hochberg family, are every
-- headline change of one population in one year.
{{ indicator_facts(
    ref('int_indicator_estimates'), ref('int_change_overlap'), 'fct_indicator', ['survey_year', 'population']
) }}
