{#
  A built table's row count, said in dbt's log for Dagster: the post-hook of every model and seed
  (dbt_project.yml). Dagster records each table's count with its materialization as the node finishes, while
  dbt still holds the working database and no other process can open it to count. The line's wording is
  read by itip_pipeline/defs/dbt/assets.py (ROW_COUNT_LOG). Views are not counted: that would run their
  queries. The hook renders no SQL: its one query (the count) is run by run_query, in the node's transaction.
#}
{% macro log_row_count() %}
  {%- if execute and config.get('materialized') != 'view' -%}
    {%- set counted = run_query('select count(*) from ' ~ this) -%}
    {%- do log('itip row count: ' ~ counted.columns[0].values()[0], info=true) -%}
  {%- endif -%}
{% endmacro %}
