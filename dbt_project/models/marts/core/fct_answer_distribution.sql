-- The full answer distribution of every question × year × population: the share choosing each answer code of
-- the non-blank answers ("vet ikke" included), with the code's label from the codebook scale. Disclosure
-- control and reliability from the same engine and blocks as fct_indicator (int_disclosure_control,
-- indicator_id `answer_distribution`).
with estimates as (
    select
        estimate.*,
        disclosure.suppressed,
        disclosure.suppression_reason,
        disclosure.reliability_reason
    from {{ ref('int_distribution_estimates') }} as estimate
    inner join {{ ref('int_disclosure_control') }} as disclosure
        on disclosure.indicator_id = 'answer_distribution'
        and disclosure.item_key = estimate.question_id || '=' || estimate.answer_code
        and estimate.population = disclosure.population
        and disclosure.breakdown is null
        and estimate.survey_year = disclosure.survey_year
),

-- A choice question's options are named by its indicator items that count exactly one code.
choice_labels as (
    select question_id, success_codes[1] as answer_code, any_value(label_no) as label_no,
        any_value(label_en) as label_en
    from {{ ref('stg_indicator_catalogue') }}
    where len(success_codes) = 1
    group by all
)

select
    estimates.survey,
    estimates.question_id,
    estimates.survey_year as year,
    estimates.population,
    estimates.answer_code,
    coalesce(
        case when estimates.answer_code = codebook.dont_know_code then 'Vet ikke' end,
        scale.label_no, choice.label_no
    ) as answer_label_no,
    coalesce(
        case when estimates.answer_code = codebook.dont_know_code then 'Don''t know' end,
        scale.label_en, choice.label_en
    ) as answer_label_en,
    coalesce(estimates.answer_code = codebook.dont_know_code, false) as is_dont_know,
    codebook.scale,
    estimates.n_asked as n_base,
    estimates.n_blank,
    estimates.n_effective,
    {{ shown_share_with_interval('estimates.share', 'estimates.n_adjusted', 'estimates.suppressed') }},
    estimates.suppressed,
    estimates.suppression_reason,
    estimates.reliability_reason is not null as low_reliability,
    estimates.reliability_reason,
    -- an answer distribution has no change: no series break flag
    {{ observation_flag('estimates.suppressed', 'estimates.reliability_reason is not null') }} as flag
from estimates
inner join {{ ref('stg_codebook') }} as codebook
    on estimates.survey = codebook.survey
    and estimates.survey_year = codebook.survey_year
    and estimates.question_id = codebook.question_id
left join {{ ref('answer_scale_labels') }} as scale
    on codebook.scale = scale.scale
    and estimates.answer_code = codebook.min_code + scale.step - 1
left join choice_labels as choice
    on codebook.scale = 'choice'
    and estimates.question_id = choice.question_id
    and estimates.answer_code = choice.answer_code
order by estimates.question_id, year, estimates.population, estimates.answer_code
