-- The organisations in both years' bases of every organisation breakdown cell, in the same category both
-- years (macro change_overlap).
{{ change_overlap(ref('int_breakdown_estimates'), ref('int_breakdown_answers'), ['breakdown', 'category']) }}
