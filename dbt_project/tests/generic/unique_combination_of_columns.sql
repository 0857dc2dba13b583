{#- Rows are unique on the combination of columns; NULLs count as equal (an item-less indicator has
    item NULL, and two such rows for the same key are duplicates). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by all
having count(*) > 1
{% endtest %}
