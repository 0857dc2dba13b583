{#- The BI shape shared by every family mart: one row per year × population × item of one family from
    fct_indicator, with the labels a chart needs. Each mart_<family> model is this one call. With
    by_breakdown, the same shape from fct_indicator_breakdown with the breakdown and category beside the
    population (mart_<family>_breakdown: one table per family, filtered by breakdown in the BI tool).
    The change tests keep the fact table's family (change_test_family names it): the q-values are adjusted
    over every change that table releases for the population and year, not over this family's alone. -#}
{% macro indicator_family_mart(family, by_breakdown=false) %}
select
    year,
    population,
    population_label_no,
    population_label_en,
    {%- if by_breakdown %}
    breakdown,
    breakdown_label_no,
    breakdown_label_en,
    category,
    {%- endif %}
    indicator_id,
    item,
    label_no,
    label_en,
    measure,
    share_pct,
    ci_low_pct,
    ci_high_pct,
    n_base,
    n_effective,
    dont_know_pct,
    share_excl_dont_know_pct,
    ci_low_excl_dont_know_pct,
    ci_high_excl_dont_know_pct,
    suppressed,
    suppression_reason,
    low_reliability,
    reliability_reason,
    flag,
    previous_year,
    change_pp,
    change_ci_low_pp,
    change_ci_high_pp,
    change_significant,
    change_ci_low_fcr_pp,
    change_ci_high_fcr_pp,
    change_p_value,
    change_q_value,
    change_test_family,
    change_test_family_size,
    series_break,
    series_comparable
from {{ ref('fct_indicator_breakdown' if by_breakdown else 'fct_indicator') }}
where family = '{{ family }}'
order by year, population, {{ 'breakdown, category, ' if by_breakdown }}indicator_id, item
{% endmacro %}
