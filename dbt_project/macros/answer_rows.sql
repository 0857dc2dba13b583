{#- How an answer is counted: once for every population that pools its respondent's group, once more for
    every indicator published for that population, and under every breakdown published for the population and
    the indicator's family. These joins are the counting rule of every cell; int_indicator_answers and
    int_distribution_answers apply them to each respondent's answer, int_disclosure_cells to the answers counted
    per atom, so both see the same cells. -#}

{#- True when `population` (a row of stg_populations) counts the answers of `answer`'s respondent group: the
    same survey, and the group among the population's respondent groups. -#}
{% macro pools_group(population, answer) -%}
{{ population }}.survey = {{ answer }}.survey
    and list_contains({{ population }}.respondent_groups, {{ answer }}.respondent_group)
{%- endmacro %}

{#- The rows of `answers` (a relation with survey, respondent_group, question_id, answer_code, is_answered and
    is_dont_know) once for every population of the survey whose respondent groups include the row's group. -#}
{% macro answers_by_population(answers, columns='answer.*') -%}
select {{ columns }}, population.population
from {{ answers }} as answer
inner join {{ ref('stg_populations') }} as population
    on {{ pools_group('population', 'answer') }}
{%- endmacro %}

{#- The rows of `answers` once for every population that pools the row's group and every indicator of the
    row's question published for that population, with the indicator's reading of the answer: in its base
    (answered, and not "vet ikke" unless the indicator counts it) and a success (one of its success codes). -#}
{% macro answers_by_indicator(answers, columns) -%}
select
    indicator.indicator_id,
    indicator.item,
    indicator.item_key,
    indicator.family,
    indicator.measure,
    population.population,
    {%- for column in columns %}
    answer.{{ column }},
    {%- endfor %}
    answer.is_answered and (indicator.dont_know_in_base or not answer.is_dont_know) as is_in_base,
    coalesce(list_contains(indicator.success_codes, answer.answer_code), false) as is_success
from {{ answers }} as answer
inner join {{ ref('stg_populations') }} as population
    on {{ pools_group('population', 'answer') }}
inner join {{ ref('stg_indicator_catalogue') }} as indicator
    on answer.question_id = indicator.question_id
    and list_contains(indicator.populations, population.population)
{%- endmacro %}

{#- True when `breakdown` (a row of stg_breakdowns) is published for an indicator row of `answer` (with survey,
    population and family): the seed's survey, one of its populations and, unless it names none, one of its
    families. -#}
{% macro breakdown_applies(breakdown, answer) -%}
{{ breakdown }}.survey = {{ answer }}.survey
    and list_contains({{ breakdown }}.populations, {{ answer }}.population)
    and ({{ breakdown }}.families is null or list_contains({{ breakdown }}.families, {{ answer }}.family))
{%- endmacro %}
