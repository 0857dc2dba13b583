-- depends_on: {{ ref('stg_populations') }}
-- Each population's estimate (macro indicator_estimates, shared with int_breakdown_estimates).
{{ assert_population_frames_cover(ref('int_indicator_answers')) }}
{{ indicator_estimates(ref('int_indicator_answers')) }}
