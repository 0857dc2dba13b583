{#- For each organisation estimate, the organisations that were in the base both this year and the previous
    year the indicator was asked, matched by orgnr, with their success counts: what the covariance of the two
    years' shares needs (macro overlap_covariance). The citizen panel is a fresh sample each year: its years
    are independent and it has no rows here.
    One definition for fct_indicator (int_change_overlap) and the breakdowns (int_breakdown_change_overlap,
    extra_key = breakdown, category: the organisations in the same category both years). -#}
{% macro change_overlap(estimates, answers, extra_key=[]) %}
with estimates as (
    select
        indicator_id,
        item_key,
        population,
        survey_year,
        {%- for column in extra_key %}
        {{ column }},
        {%- endfor %}
        lag(survey_year) over (
            partition by indicator_id, item_key, population{%- for column in extra_key %}, {{ column }}{% endfor %} order by survey_year
        ) as previous_year
    from {{ estimates }}
    where survey = 'org'
),

in_base as (
    select indicator_id, item_key, population, survey_year{%- for column in extra_key %}, {{ column }}{% endfor %}, respondent_id, is_success::integer as success
    from {{ answers }}
    where survey = 'org' and is_in_base
)

select
    estimates.indicator_id,
    estimates.item_key,
    estimates.population,
    estimates.survey_year,
    {%- for column in extra_key %}
    estimates.{{ column }},
    {%- endfor %}
    estimates.previous_year,
    cast(count(*) as integer) as n_overlap,
    cast(sum(current_year.success * previous.success) as integer) as n_success_both,
    cast(sum(current_year.success) as integer) as n_success_current,
    cast(sum(previous.success) as integer) as n_success_previous
from estimates
inner join in_base as current_year
    on estimates.indicator_id = current_year.indicator_id
    and estimates.item_key = current_year.item_key
    and estimates.population = current_year.population
    {%- for column in extra_key %}
    and estimates.{{ column }} = current_year.{{ column }}
    {%- endfor %}
    and estimates.survey_year = current_year.survey_year
inner join in_base as previous
    on estimates.indicator_id = previous.indicator_id
    and estimates.item_key = previous.item_key
    and estimates.population = previous.population
    {%- for column in extra_key %}
    and estimates.{{ column }} = previous.{{ column }}
    {%- endfor %}
    and estimates.previous_year = previous.survey_year
    and current_year.respondent_id = previous.respondent_id
group by all
{% endmacro %}
