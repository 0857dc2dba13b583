{#- The survey years present in a built relation, for models with one column per year (indicator_by_year).
    Read when the model runs (its ref is built by then), so a newly loaded year gets its column without an
    edit; while dbt only parses, the list is empty. -#}
{% macro loaded_years(relation, column='year') %}
    {%- if execute -%}
        {%- set result = run_query('select distinct ' ~ column ~ ' from ' ~ relation ~ ' order by 1') -%}
        {{ return(result.columns[0].values() | map('int') | list) }}
    {%- endif -%}
    {{ return([]) }}
{% endmacro %}

{#- One column per loaded year: `<measure>_<year>` = the value of `expression` in that year's row of the
    group. -#}
{% macro columns_per_year(years, columns, year_column='year') %}
    {%- for year in years %}
        {%- for name, expression in columns.items() %}
    any_value({{ expression }}) filter (where {{ year_column }} = {{ year }}) as {{ name }}_{{ year }},
        {%- endfor %}
    {%- endfor %}
{% endmacro %}

{#- Post-hook of a model with columns_per_year: a comment on every year column (the descriptions in the model's
    .yml, which the candidate build writes as comments, cannot name years not yet loaded). `descriptions` maps
    each column prefix to its text; the year is appended. -#}
{% macro comment_columns_per_year(relation, descriptions) %}
    {%- for year in loaded_years(relation) %}
        {%- for name, text in descriptions.items() %}
comment on column {{ this }}.{{ name }}_{{ year }} is '{{ text | replace("'", "''") }} Survey year {{ year }}.';
        {%- endfor %}
    {%- endfor %}
{% endmacro %}

{#- fct_indicator in wide form: one row per indicator × item × population, the fixed columns given, then
    columns_per_year of `measures` for each of `years` (loaded_years of fct_indicator), and the first and last
    year with a row. -#}
{% macro indicator_by_year(years, columns, measures) %}
select
    {{ columns | join(',\n    ') }},
    {{- columns_per_year(years, measures) }}
    min(year) as first_year,
    max(year) as last_year
from {{ ref('fct_indicator') }}
group by all
order by family, indicator_id, item, population
{% endmacro %}
