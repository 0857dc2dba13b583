-- Every survey figure of the report (external ones aside) names an indicator and item of the catalogue,
-- so none can drop out of the reconciliation by a misspelt code.
-- A check on stg_published_figures in Dagster: a test of the reference part must be one, since a build that
-- keeps that part (itip_pipeline/warehouse/kept_reference.py) shows its last result from Dagster's records.
{{ config(meta={'dagster': {'ref': {'name': 'stg_published_figures'}}}) }}
select figures.figure_id, figures.indicator_id, figures.item
from {{ ref('stg_published_figures') }} as figures
where not figures.is_external_source
    and not exists (
        select 1
        from {{ ref('stg_indicator_catalogue') }} as indicator
        where indicator.indicator_id = figures.indicator_id
            and indicator.item_key = figures.item_key
            and list_contains(indicator.populations, figures.population)
    )
