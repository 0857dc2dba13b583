{#- Multiple testing: which tests form a family, their Benjamini–Hochberg q-values, the significance flag and
    the FCR-adjusted intervals, as window expressions over one family of tests.

    A family is the set of claims released together (docs.md, "multiple_testing"): every headline change of
    one population in one year (fct_indicator), every breakdown change of one population × breakdown in one
    year (fct_indicator_breakdown), every state − municipal difference of one year
    (fct_population_difference). Its size m counts the tests with a p-value only: an untestable claim (no
    p-value) is not a test and gets no q.

    Benjamini–Hochberg (1995) in two steps, because a window function cannot nest in another:
    `bh_step` is p·m/rank in ascending order of p within the family, and `bh_q_value` the running minimum of
    those steps from the largest p down, capped at 1 — the adjusted p-value (q-value) of
    scipy.stats.false_discovery_control. Ties share one q (the RANGE frame takes in every tied p).

    A claim is significant when q < var false_discovery_rate; those are the R selected of the family's m.
    Their FCR-adjusted intervals (Benjamini and Yekutieli 2005, JASA 100(469), "False discovery
    rate-adjusted multiple confidence intervals for selected parameters") are the marginal intervals at level
    1 − R·α/m: a BH-selected test has p < R·α/m, so its adjusted interval excludes 0, and the adjusted flag
    and the adjusted interval always agree. Claims not selected get no adjusted interval (the method
    constructs intervals for the selected only).
    Calls normal_quantile, a DuckDB function created at on-run-start by macros/survey_statistics.sql. -#}
{% macro bh_step(p_value, partition_by) -%}
    {{ p_value }} * {{ test_family_size(p_value, partition_by) }}
        / row_number() over (partition by {{ partition_by }} order by {{ p_value }} asc nulls last)
{%- endmacro %}

{% macro bh_q_value(step, p_value, partition_by) -%}
    case when {{ p_value }} is not null then least(1.0, min({{ step }}) over (
        partition by {{ partition_by }} order by {{ p_value }} desc nulls last
        range between unbounded preceding and current row
    )) end
{%- endmacro %}

{#- m: the tests of the family that have a p-value (count() skips NULL). -#}
{% macro test_family_size(p_value, partition_by) -%}
    count({{ p_value }}) over (partition by {{ partition_by }})
{%- endmacro %}

{#- The family's id as published: the table that releases the claims and the values of the family's columns,
    joined by ':' (e.g. fct_indicator:2025:kommune); NULL on a row without a p-value, which is in no family. -#}
{% macro test_family_id(p_value, release, columns) -%}
    case when {{ p_value }} is not null then concat_ws(':', '{{ release }}'
        {%- for column in columns %}, {{ column }}{% endfor %}) end
{%- endmacro %}

{#- The adjusted significance flag: NULL without a q-value. -#}
{% macro bh_significant(q_value) -%}
    {{ q_value }} < {{ var('false_discovery_rate') }}
{%- endmacro %}

{#- R: the family's significant claims. -#}
{% macro bh_selected_count(q_value, partition_by) -%}
    count(case when {{ bh_significant(q_value) }} then 1 end) over (partition by {{ partition_by }})
{%- endmacro %}

{#- The critical value of a selected claim's FCR-adjusted interval, z at 1 − R·α/(2m); NULL when the claim is
    not selected. -#}
{% macro fcr_z_critical(q_value, selected, family_size) -%}
    case when {{ bh_significant(q_value) }}
        then normal_quantile(1 - {{ selected }} * {{ var('false_discovery_rate') }} / (2 * {{ family_size }}))
    end
{%- endmacro %}

{#- The interval estimate ± z·standard error in percentage points, as the columns low_name and high_name; NULL
    when the standard error or the critical value is NULL. -#}
{% macro normal_interval_pp(estimate, standard_error, z, low_name, high_name) -%}
    100 * ({{ estimate }} - {{ z }} * {{ standard_error }}) as {{ low_name }},
    100 * ({{ estimate }} + {{ z }} * {{ standard_error }}) as {{ high_name }}
{%- endmacro %}
