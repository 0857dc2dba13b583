-- Every survey figure of the report (external ones aside) names an indicator and item of the catalogue,
-- so none can drop out of the reconciliation by a misspelt code.
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
