-- The same share under the alternative definitions a published figure may have used (computed from the answers
-- in int_reconciliation_shares), for published_reconciliation:
--   * "vet ikke" left out of the base;
--   * for a pooled organisation population, with and without the respondent group of var
--     `reconciliation_sensitivity_group` (the county municipalities: the report surveys "alle statlige
--     virksomheter og kommuner", while the warehouse's pool may include them).
-- One row per indicator × item × population × year. Disclosure control: the share without "vet ikke" is
-- NULL where the cell is suppressed (elsewhere it follows from the published share, base and "vet ikke");
-- an alternative pool differs from published cells by one group and could reveal it, so it is shown only
-- where nothing in its indicator, item and year is protected (no cell suppressed, no small hidden group).
-- indicator × item × year where disclosure control protects a headline cell (the alternatives pool whole
-- respondent groups: sums of headline cells, which the breakdown cells' protection already allows for)
with protected as (
    select distinct cells.indicator_id, cells.item_key, cells.survey_year
    from {{ ref('int_disclosure_cells') }} as cells
    left join {{ ref('int_disclosure_control') }} as control
        on cells.indicator_id = control.indicator_id
        and cells.item_key = control.item_key
        and cells.population = control.population
        and control.breakdown is null
        and cells.survey_year = control.survey_year
        and cells.is_published
    where cells.breakdown is null and (cells.primary_reason is not null or control.suppressed)
)

select
    shares.indicator_id,
    shares.item,
    shares.item_key,
    shares.population,
    shares.survey_year,
    case when not control.suppressed then shares.share_dont_know_excluded end as share_dont_know_excluded,
    case when protected.indicator_id is null and shares.is_pooled_org then shares.share_with_group end
        as share_with_group,
    case when protected.indicator_id is null and shares.is_pooled_org then shares.share_without_group end
        as share_without_group
from {{ ref('int_reconciliation_shares') }} as shares
inner join {{ ref('int_disclosure_control') }} as control
    on shares.indicator_id = control.indicator_id
    and shares.item_key = control.item_key
    and shares.population = control.population
    and control.breakdown is null
    and shares.survey_year = control.survey_year
left join protected
    on shares.indicator_id = protected.indicator_id
    and shares.item_key = protected.item_key
    and shares.survey_year = protected.survey_year
