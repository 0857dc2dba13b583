-- The organisations in both years' bases of every organisation estimate (macro change_overlap).
{{ change_overlap(ref('int_indicator_estimates'), ref('int_indicator_answers')) }}
