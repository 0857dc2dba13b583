-- Each breakdown cell's estimate: population × breakdown × category, by the headline's method (macro
-- indicator_estimates), with the finite population correction where the category's frame is known (the
-- municipalities of a county: int_breakdown_frames) and var apply_fpc is on.
{{ indicator_estimates(ref('int_breakdown_answers'), ['breakdown', 'category'], frames=ref('int_breakdown_frames')) }}
