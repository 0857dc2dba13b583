-- Every category of every breakdown numbered (1..k within its breakdown), with the digit the breakdown takes in
-- a respondent's profile number (int_respondent_profiles): the profile is written in mixed radix, one digit per
-- breakdown of the survey, radix k + 1 (0: the respondent has no category in it), so `place` is the product of
-- the radices of the breakdowns before it.
with categories as (
    select
        survey,
        breakdown,
        category,
        dense_rank() over (partition by survey, breakdown order by category) as category_number
    from (
        select distinct survey, breakdown, category from {{ ref('int_respondent_breakdowns') }}
    ) as distinct_categories
),

radices as (
    select survey, breakdown, count(*) + 1 as radix
    from categories
    group by all
),

places as (
    select
        survey,
        breakdown,
        radix,
        -- the product of the radices before this breakdown
        coalesce(product(radix) over earlier, 1) as place
    from radices
    window earlier as (partition by survey order by breakdown rows between unbounded preceding and 1 preceding)
)

select
    categories.*,
    places.radix,
    -- product() multiplies in double precision, exact below 2^53: a profile number beyond is refused
    case
        when places.place * places.radix < 2 ** 53 then places.place::bigint
        else error('too many breakdown categories for a profile number: ' || categories.survey)
    end as place
from categories
inner join places using (survey, breakdown)
