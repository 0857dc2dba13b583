select
    kommunenummer_2023,
    kommunenavn_2023,
    kommunenummer_2024,
    kommunenavn_2024,
    change,
    main_successor
from {{ ref('municipality_change_2024') }}
