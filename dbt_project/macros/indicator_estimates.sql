{#- The estimate of every cell of an answers relation (int_indicator_answers or int_breakdown_answers): one
    row per estimate_key (+ extra_key, e.g. breakdown and category). Built from its strata (the respondent
    groups a population pools), two bases side by side: the catalogue's base (the headline) and the base with
    "vet ikke" left out. The sample size of each interval is `n_adjusted`: Kish's effective n, or, with var
    `apply_fpc` on, the n of the stratified variance with each stratum's finite population correction
    (docs.md, "Finite population correction"). `frames` holds each stratum's frame size: by default the
    respondent groups' (stg_population_frame); for breakdown cells a relation keyed also by extra_key
    (int_breakdown_frames: the municipalities of a county), where a category without a row has none.
    Calls weighted_share, kish_n_effective, fpc_factor, stratum_variance_term, stratum_inverse_n_term and
    n_adjusted_from_variance: DuckDB functions created at on-run-start by macros/survey_statistics.sql. -#}
{% macro indicator_estimates(answers, extra_key=[], frames=none, counted=false) %}
{#- counted: `answers` holds answers already counted, respondents with the same answer flags summed up: n
    respondents, sum_weight and sum_weight2 their weights and squared weights; otherwise one row per answer
    with its weight. Every sum below is additive, so both give the same estimates. -#}
{%- set w = 'sum_weight' if counted else 'weight' %}
{%- set w2 = 'sum_weight2' if counted else 'weight * weight' %}
{%- set bases = {'': 'is_in_base', '_known': 'is_answered and not is_dont_know'} %}
{%- set estimate_key = [
    'indicator_id', 'item', 'item_key', 'family', 'measure', 'population', 'survey', 'question_id', 'survey_year'
] + extra_key %}

with strata as (
    select
        {{ estimate_key | join(',\n        ') }},
        respondent_group,
        {%- for suffix, condition in bases.items() %}
        {%- if counted %}
        coalesce(sum(n) filter (where {{ condition }}), 0)::bigint as n_base{{ suffix }},
        {%- else %}
        count(*) filter (where {{ condition }}) as n_base{{ suffix }},
        {%- endif %}
        sum({{ w }}) filter (where {{ condition }}) as sum_w{{ suffix }},
        sum({{ w2 }}) filter (where {{ condition }}) as sum_w2{{ suffix }},
        coalesce(sum({{ w }}) filter (where {{ condition }} and is_success), 0) as sum_w_success{{ suffix }},
        {%- endfor %}
        sum({{ w }}) filter (where is_answered) as sum_w_answered,
        coalesce(sum({{ w }}) filter (where is_answered and is_dont_know), 0) as sum_w_dont_know
    from {{ answers }}
    group by all
),

strata_in_population as (
    select
        strata.*,
        frame.frame_size,
        {%- for suffix in bases %}
        strata.sum_w{{ suffix }} / sum(strata.sum_w{{ suffix }}) over population_year as stratum_weight{{ suffix }},
        fpc_factor(strata.n_base{{ suffix }}, frame.frame_size) as fpc{{ suffix }},
        {%- endfor %}
        count(*) over population_year as n_strata
    from strata
    {%- if frames is none %}
    left join {{ ref('stg_population_frame') }} as frame
        on strata.respondent_group = frame.population
        and strata.survey_year = frame.survey_year
    {%- else %}
    left join {{ frames }} as frame
        on strata.respondent_group = frame.respondent_group
        and strata.survey_year = frame.survey_year
        {%- for column in extra_key %}
        and strata.{{ column }} = frame.{{ column }}
        {%- endfor %}
    {%- endif %}
    window population_year as (
        partition by strata.indicator_id, strata.item_key, strata.population, strata.survey_year
            {%- for column in extra_key %}, strata.{{ column }}{% endfor %}
    )
),

pooled as (
    select
        {{ estimate_key | join(',\n        ') }},
        {%- for suffix in bases %}
        sum(n_base{{ suffix }}) as n_base{{ suffix }},
        sum(sum_w{{ suffix }}) as sum_w{{ suffix }},
        sum(sum_w2{{ suffix }}) as sum_w2{{ suffix }},
        sum(sum_w_success{{ suffix }}) as sum_w_success{{ suffix }},
        sum(stratum_variance_term(
            stratum_weight{{ suffix }},
            weighted_share(sum_w_success{{ suffix }}, sum_w{{ suffix }}),
            kish_n_effective(sum_w{{ suffix }}, sum_w2{{ suffix }}),
            fpc{{ suffix }}
        )) as stratified_variance{{ suffix }},
        sum(stratum_inverse_n_term(
            stratum_weight{{ suffix }}, kish_n_effective(sum_w{{ suffix }}, sum_w2{{ suffix }}), fpc{{ suffix }}
        )) as stratified_inverse_n{{ suffix }},
        {%- endfor %}
        sum(sum_w_answered) as sum_w_answered,
        sum(sum_w_dont_know) as sum_w_dont_know,
        -- The population's frame is known when every stratum's is.
        case when count(frame_size) = count(*) then sum(frame_size) end as frame_size
    from strata_in_population
    group by all
),

estimated as (
    select
        * exclude (stratified_variance, stratified_inverse_n, stratified_variance_known, stratified_inverse_n_known),
        {%- for suffix in bases %}
        weighted_share(sum_w_success{{ suffix }}, sum_w{{ suffix }}) as share{{ suffix }},
        kish_n_effective(sum_w{{ suffix }}, sum_w2{{ suffix }}) as n_effective{{ suffix }},
        {%- if var('apply_fpc') %}
        n_adjusted_from_variance(
            weighted_share(sum_w_success{{ suffix }}, sum_w{{ suffix }}),
            stratified_variance{{ suffix }},
            stratified_inverse_n{{ suffix }}
        ) as n_adjusted{{ suffix }},
        {%- else %}
        kish_n_effective(sum_w{{ suffix }}, sum_w2{{ suffix }}) as n_adjusted{{ suffix }},
        {%- endif %}
        {%- endfor %}
        weighted_share(sum_w_dont_know, sum_w_answered) as dont_know_share
    from pooled
)

select
    {{ estimate_key | join(',\n    ') }},
    cast(n_base as integer) as n_base,
    sum_w,
    sum_w2,
    share,
    dont_know_share,
    n_effective,
    n_adjusted,
    cast(n_base_known as integer) as n_base_known,
    share_known,
    n_effective_known,
    n_adjusted_known,
    cast(frame_size as integer) as frame_size
from estimated
-- A group where every answer is blank has no base and no estimate.
where n_base > 0
{% endmacro %}
