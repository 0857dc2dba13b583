-- fct_indicator in wide form for BI tools that pivot poorly: one row per indicator × item × population, one
-- share column per loaded year. The year columns come from the data (macro loaded_years), so a new year adds
-- its column on the next build; hence no contract (dbt_project.yml), and _wide.yml lists the fixed columns.
{{ config(post_hook="{{ comment_columns_per_year(ref('fct_indicator'), {
    'share_pct': 'Headline share in percent (fct_indicator.share_pct); NULL where suppressed or not asked.',
    'suppression_reason': 'Why the share is withheld (fct_indicator.suppression_reason); NULL when published or not asked.',
}) }}") }}
{%- set years = loaded_years(ref('fct_indicator')) %}
{{ indicator_by_year(
    years,
    ['indicator_id', 'item', 'population', 'family', 'measure', 'survey', 'label_no', 'label_en', 'population_label_no', 'population_label_en'],
    {'share_pct': 'share_pct', 'suppression_reason': 'suppression_reason'}
) }}
