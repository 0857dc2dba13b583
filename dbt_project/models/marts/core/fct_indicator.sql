-- The headline cell of every indicator × item × population × year (macro indicator_facts, shared with
-- fct_indicator_breakdown).
{{ indicator_facts(ref('int_indicator_estimates'), ref('int_change_overlap')) }}
