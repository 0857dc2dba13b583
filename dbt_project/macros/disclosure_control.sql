{#- Creates the primary disclosure-control rule, once, as DuckDB SQL macros in the working database:
    wilson_width_pp and primary_suppression_reason. The on-run-start hook of dbt_project.yml calls
    disclosure_control_ddl() after survey_statistics_ddl(), whose Wilson functions they call; the project
    overview (docs.md, "SQL functions") lists them. docs.md ("suppression_reason") states the rule and its
    sources; int_disclosure_cells applies it to every cell, and int_disclosure_control adds the secondary
    (complementary) suppressions. tests/unit/test_disclosure_control.py renders this file with plain Jinja and
    checks the rule in an in-memory DuckDB. Thresholds are arguments: models call the dbt macro
    primary_suppression_reason below, which passes the dbt vars. -#}
{% macro disclosure_control_ddl() %}
-- Width of the 95 % Wilson interval in percentage points, judged without finite population correction.
create or replace macro wilson_width_pp(p, n) as
    100 * (wilson_high(p, n, z_critical_95()) - wilson_low(p, n, z_critical_95()));

-- 'n_base' (confidentiality: too few respondents), 'interval_width' (reliability: NCHS-style absolute or
-- relative interval width), or NULL (publishable). A share of 0 has an infinite relative width.
create or replace macro primary_suppression_reason(
    n_base, share, n_effective, min_base_n, max_width_pp, relative_from_pp, max_relative_width
) as
    case
        when n_base < min_base_n then 'n_base'
        when wilson_width_pp(share, n_effective) >= max_width_pp then 'interval_width'
        when wilson_width_pp(share, n_effective) > relative_from_pp
            and (share = 0 or wilson_width_pp(share, n_effective) / (100 * share) > max_relative_width)
            then 'interval_width'
    end;
{% endmacro %}

{#- The call the models use: the rule with the project's thresholds (dbt_project.yml vars). -#}
{% macro primary_suppression_reason(n_base, share, n_effective) %}
primary_suppression_reason(
    {{ n_base }}, {{ share }}, {{ n_effective }},
    {{ var('min_base_n') }}, {{ var('max_interval_width_pp') }},
    {{ var('relative_interval_width_from_pp') }}, {{ var('max_relative_interval_width') }}
)
{% endmacro %}
