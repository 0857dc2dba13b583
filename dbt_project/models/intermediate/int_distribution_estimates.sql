-- The share of every answer code of every question × year × population, of the
-- non-blank answers ("vet ikke" included), weighted for the panel; with the cell's counts and the sample size
-- of its interval, n_adjusted: Kish's effective n, with var `apply_fpc` on corrected for the finite population
-- where the population is one respondent group with a known frame (docs.md, "Finite population
-- correction"). Every code of the codebook's range gets a row, answered or not; int_disclosure_cells judges it.
-- weighted_share, kish_n_effective, fpc_n_effective: DuckDB functions created at on-run-start
-- (macros/survey_statistics.sql).
with cells as (
    select
        survey,
        question_id,
        survey_year,
        population,
        count(*) filter (where is_answered) as n_asked,
        count(*) filter (where not is_answered) as n_blank,
        sum(weight) filter (where is_answered) as sum_w,
        sum(weight * weight) filter (where is_answered) as sum_w2
    from {{ ref('int_distribution_answers') }}
    group by all
),

codes as (
    select survey, survey_year, question_id, unnest(range(min_code, max_code + 1)) as answer_code
    from {{ ref('stg_codebook') }}
    union
    select survey, survey_year, question_id, dont_know_code
    from {{ ref('stg_codebook') }}
    where dont_know_code is not null
),

code_counts as (
    select
        survey, question_id, survey_year, population, answer_code,
        count(*) as n_code,
        sum(weight) as sum_w_code
    from {{ ref('int_distribution_answers') }}
    where is_answered
    group by all
)

select
    cells.survey,
    cells.question_id,
    cells.survey_year,
    cells.population,
    cast(codes.answer_code as integer) as answer_code,
    cast(cells.n_asked as integer) as n_asked,
    cast(cells.n_blank as integer) as n_blank,
    cast(coalesce(code_counts.n_code, 0) as integer) as n_code,
    coalesce(weighted_share(code_counts.sum_w_code, cells.sum_w), 0.0) as share,
    kish_n_effective(cells.sum_w, cells.sum_w2) as n_effective,
    {%- if var('apply_fpc') %}
    fpc_n_effective(kish_n_effective(cells.sum_w, cells.sum_w2), frame.frame_size) as n_adjusted
    {%- else %}
    kish_n_effective(cells.sum_w, cells.sum_w2) as n_adjusted
    {%- endif %}
from cells
inner join codes
    on cells.survey = codes.survey
    and cells.survey_year = codes.survey_year
    and cells.question_id = codes.question_id
left join code_counts
    on cells.survey = code_counts.survey
    and cells.question_id = code_counts.question_id
    and cells.survey_year = code_counts.survey_year
    and cells.population = code_counts.population
    and codes.answer_code = code_counts.answer_code
left join {{ ref('stg_population_frame') }} as frame
    on cells.population = frame.population
    and cells.survey_year = frame.survey_year
-- a cell where every answer is blank has no distribution
where cells.n_asked > 0
