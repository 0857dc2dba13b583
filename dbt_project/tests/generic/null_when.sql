{#- The column is NULL on every row where the condition holds (e.g. a suppressed estimate shows no share). -#}
{% test null_when(model, column_name, condition) %}
select {{ column_name }}
from {{ model }}
where ({{ condition }}) and {{ column_name }} is not null
{% endtest %}
