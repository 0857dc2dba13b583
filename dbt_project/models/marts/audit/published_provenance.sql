-- The delivered files behind the published marts: the latest accepted load of each year and survey (the
-- loads the marts were built from), so a reader of the published warehouse alone can say where its numbers
-- come from and whether they are synthetic. The load's message is left out: it is for the data engineer.
with latest as (
    select survey_year, survey, arg_max(load_id, loaded_at) as load_id
    from {{ ref('stg_load_log') }}
    where status = 'loaded'
    group by all
)

select
    cast(load_log.survey_year as integer) as survey_year,
    load_log.survey,
    load_log.file_name,
    load_log.sha256,
    cast(load_log.n_rows as integer) as n_rows,
    load_log.loaded_at,
    load_log.load_id,
    -- The generator names every file it writes *_synthetic.* (data contract: synthetic files say so in the name).
    regexp_matches(lower(load_log.file_name), '_synthetic') as is_synthetic
from {{ ref('stg_load_log') }} as load_log
inner join latest using (survey_year, survey, load_id)
where load_log.status = 'loaded'
