{#- None of the columns holds a NULL: the NOT NULL rules of a table no contract covers (a seed, a raw
    source, an intermediate table), one test for the table rather than one per column. A failing row names
    the column and how many rows have no value in it. -#}
{% test not_null_columns(model, columns) %}
{% for column in columns %}
    select
        '{{ column }}' as column_name,
        count(*) as rows_without_value
    from {{ model }}
    where {{ column }} is null
    having count(*) > 0
    {% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
