{#- Creates the primary confidentiality rule and the interval width the reliability rule reads, once, as DuckDB
    SQL macros in the working database: confidentiality_reason and wilson_width_pp. The on-run-start hook of
    dbt_project.yml calls disclosure_control_ddl() after survey_statistics_ddl(), whose Wilson functions they
    call; the project overview (docs.md, "SQL functions") lists them. docs/disclosure.md states the policy
    and its sources; int_disclosure_cells applies the rule to every cell, and int_disclosure_control adds
    the complementary suppressions and the reliability flags. tests/unit/test_disclosure_control.py renders
    this file with plain Jinja and checks the rule in an in-memory DuckDB. Thresholds are arguments: models
    call the dbt macro confidentiality_reason below, which passes the dbt vars. -#}
{% macro disclosure_control_ddl() %}
-- Width of a 95 % Wilson interval in percentage points on the sample size n (for an organisation
-- population, n with the finite population correction where the frame is known: the published interval).
create or replace macro wilson_width_pp(p, n) as
    100 * (wilson_high(p, n, z_critical_95()) - wilson_low(p, n, z_critical_95()));

-- Confidentiality: 'n_base' (fewer respondents than min_base_n), 'group_disclosure' (a group smaller than
-- group_disclosure_below_n in which every respondent gave the answer, or none did: the share tells a reader
-- each member's answer), or NULL (nothing to withhold on its own).
create or replace macro confidentiality_reason(n_base, share, min_base_n, group_disclosure_below_n) as
    case
        when n_base < min_base_n then 'n_base'
        when n_base < group_disclosure_below_n and (share = 0 or share = 1) then 'group_disclosure'
    end;
{% endmacro %}

{#- The call the models use: the rule with the project's thresholds (dbt_project.yml vars). -#}
{% macro confidentiality_reason(n_base, share) %}
confidentiality_reason({{ n_base }}, {{ share }}, {{ var('min_base_n') }}, {{ var('group_disclosure_below_n') }})
{% endmacro %}
