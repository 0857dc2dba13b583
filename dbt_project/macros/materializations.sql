{#
  How a table or a view of this project replaces the one the last build left: dropped and created again under
  its own name, in one transaction. A failed build rolls the transaction back, so the previous table or view
  stands until its replacement exists, as with the materializations dbt and dbt-duckdb ship.

  Theirs build under a temporary name, rename the old relation to a backup, rename the new one into place and
  drop the backup, after asking the catalog for indexes and foreign keys to carry over: half a dozen
  statements a node, each with dbt's bookkeeping, in a build that spends most of its time on that bookkeeping.
  This project declares no index and no foreign key, and the working database has one writer (the build
  holds its lock), so nobody sees the moment between the drop and the create. A Python model still builds
  under a temporary name: dbt-duckdb writes its table from a connection of its own, outside this transaction.
  The contract, the hooks and the returned relations are those of the shipped materializations; grants and
  persist_docs, which this project does not use (dbt_project.yml), are left out.
#}
{% materialization table, adapter="duckdb", supported_languages=["sql", "python"] %}
  {%- set language = model["language"] -%}
  {%- set existing = load_cached_relation(this) -%}
  {%- set target = this.incorporate(type="table") -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- if language == "sql" -%}
    {%- do adapter.ensure_transaction() -%}
    {%- if existing is not none -%}
      {%- do adapter.drop_relation(existing) -%}
    {%- endif -%}
    {% call statement("main", language=language) -%}
      {{- create_table_as(False, target, compiled_code, language) }}
    {%- endcall %}
  {%- else -%}
    {%- set built = make_intermediate_relation(target) -%}
    {{ drop_relation_if_exists(load_cached_relation(built)) }}
    {% call statement("main", language=language) -%}
      {{- create_table_as(False, built, compiled_code, language) }}
    {%- endcall %}
    {#- begun only now: a transaction begun before the model's own connection committed would not see its table -#}
    {%- do adapter.ensure_transaction() -%}
    {%- if existing is not none -%}
      {%- do adapter.drop_relation(existing) -%}
    {%- endif -%}
    {%- do adapter.rename_relation(built, target) -%}
  {%- endif -%}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({"relations": [target]}) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
  {%- set existing = load_cached_relation(this) -%}
  {%- set target = this.incorporate(type="view") -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- do adapter.ensure_transaction() -%}
  {%- if existing is not none -%}
    {%- do adapter.drop_relation(existing) -%}
  {%- endif -%}
  {% call statement("main") -%}
    {{ get_create_view_as_sql(target, sql) }}
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({"relations": [target]}) }}
{% endmaterialization %}
