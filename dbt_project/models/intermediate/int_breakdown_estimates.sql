-- Each breakdown cell's estimate: population × breakdown × category, by the headline's method (macro
-- indicator_estimates) without finite population correction, whose frame is known for whole groups only.
{{ indicator_estimates(ref('int_breakdown_answers'), ['breakdown', 'category'], with_frame=false) }}
