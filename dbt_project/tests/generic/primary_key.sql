{#- The mart's key: the columns that name one row, declared once per mart here. Rows are unique on them,
    NULLs counting as equal (a headline indicator's item is NULL). The published file declares the same
    columns as the table's PRIMARY KEY, or as UNIQUE where a key column may be NULL, which a primary key
    cannot hold, and stores the rows sorted by them (itip_pipeline/warehouse/marts_copy.py). -#}
{% test primary_key(model, columns) %}
{{ test_unique_combination_of_columns(model, columns) }}
{% endtest %}
