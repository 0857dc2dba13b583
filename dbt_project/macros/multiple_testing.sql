{#- Multiple-comparison adjustment of p-values, as window expressions over one family of tests.

    Benjamini–Hochberg (1995) in two steps, because a window function cannot nest in another:
    `bh_step` is p·m/rank in ascending order of p within the family (m = tests with a p-value), and
    `bh_q_value` the running minimum of those steps from the largest p down, capped at 1 — the adjusted
    p-value (q-value) of scipy.stats.false_discovery_control. Ties share one q (the RANGE frame takes in
    every tied p). A row without a p-value gets no q and does not count in m. -#}
{% macro bh_step(p_value, partition_by) -%}
    {{ p_value }} * count({{ p_value }}) over (partition by {{ partition_by }})
        / row_number() over (partition by {{ partition_by }} order by {{ p_value }} asc nulls last)
{%- endmacro %}

{% macro bh_q_value(step, p_value, partition_by) -%}
    case when {{ p_value }} is not null then least(1.0, min({{ step }}) over (
        partition by {{ partition_by }} order by {{ p_value }} desc nulls last
        range between unbounded preceding and current row
    )) end
{%- endmacro %}
