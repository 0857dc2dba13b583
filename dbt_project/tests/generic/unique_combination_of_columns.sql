{#- Rows are unique on the combination of columns; NULLs count as equal (an item-less indicator has
    item NULL, and two such rows for the same key are duplicates).
    The rows are first counted by a 64-bit hash of the combination: each group then holds a number, not the
    columns' text, so a table of millions of panel answers is checked without spilling. Only rows whose hash
    occurs more than once are then grouped by the columns themselves, so every duplicate is reported and a
    hash collision never is. DuckDB's hash() gives NULL one fixed value, as GROUP BY takes NULLs as equal. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- set columns = combination_of_columns | join(', ') %}
select {{ columns }}, count(*) as n_rows
from {{ model }}
where hash({{ columns }}) in (
    select hash({{ columns }}) from {{ model }} group by 1 having count(*) > 1
)
group by all
having count(*) > 1
{% endtest %}
