-- indicator_by_year with each year's 95 % interval beside its share: share, lower and upper bound per loaded
-- year (the same values as fct_indicator; NULL where the cell is suppressed).
{{ config(post_hook="{{ comment_columns_per_year(ref('fct_indicator'), {
    'share_pct': 'Headline share in percent (fct_indicator.share_pct); NULL where suppressed or not asked.',
    'ci_low_pct': 'Lower bound of the 95 % Wilson interval (fct_indicator.ci_low_pct).',
    'ci_high_pct': 'Upper bound of the 95 % Wilson interval (fct_indicator.ci_high_pct).',
}) }}") }}
{%- set years = loaded_years(ref('fct_indicator')) %}
{{ indicator_by_year(
    years,
    ['indicator_id', 'item', 'population', 'family', 'label_no', 'label_en'],
    {'share_pct': 'share_pct', 'ci_low_pct': 'ci_low_pct', 'ci_high_pct': 'ci_high_pct'}
) }}
