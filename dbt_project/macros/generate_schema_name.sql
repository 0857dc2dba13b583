{#- Schemas are exactly the folder's +schema (staging, intermediate, marts, reference): BI users and
    the publish step read `marts.fct_indicator`, not dbt's default `<target>_marts`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
