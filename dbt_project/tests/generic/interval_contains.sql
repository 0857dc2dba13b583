{#- An estimate lies inside its interval: low ≤ column ≤ high, on every row where all three are known. -#}
{% test interval_contains(model, column_name, low, high) %}
select {{ low }}, {{ column_name }}, {{ high }}
from {{ model }}
where not ({{ low }} <= {{ column_name }} and {{ column_name }} <= {{ high }})
{% endtest %}
