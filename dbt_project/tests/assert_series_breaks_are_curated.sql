{#- A codebook wording or scale change that series_comparability does not mention: the change across it is
    withheld (not comparable by default), but someone should read the report and curate the pair. A
    warning, not an error: withholding the change is already the safe side. -#}
{#- A check on fct_indicator in Dagster, the table it judges. -#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_indicator'}}}) }}

select
    fact.indicator_id,
    fact.item,
    fact.previous_year as from_year,
    fact.year as to_year
from {{ ref('fct_indicator') }} as fact
left join {{ ref('stg_series_comparability') }} as curated
    on fact.indicator_id = curated.indicator_id
    and {{ item_key('fact.item') }} = curated.item_key
    and fact.previous_year = curated.from_year
    and fact.year = curated.to_year
where fact.series_break and curated.comparable is null
