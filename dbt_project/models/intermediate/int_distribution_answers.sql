-- Every answer to every question once per population its respondent counts in (stg_populations): the
-- answers the answer distributions (fct_answer_distribution) are counted from. Blank answers are kept: they
-- are the "not asked or skipped" count. Not broken down by the panel's gender, age and region: those code
-- cells would make the panel's disclosure-control blocks four times larger (docs.md, answer_distribution).
-- A view: only int_distribution_estimates reads it, aggregating at once.
{{ config(materialized='view') }}

{{ answers_by_population(ref('int_answers_long')) }}
