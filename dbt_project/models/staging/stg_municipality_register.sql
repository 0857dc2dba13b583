select
    valid_from_year,
    valid_to_year,
    kommunenummer,
    kommunenavn,
    fylkesnummer as county_number,
    fylkesnavn as county_name,
    classification_version
from {{ ref('municipality_register') }}
