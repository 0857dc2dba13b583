{#- item_key(item): an indicator's item as a join key that is never NULL.

    A headline indicator has no item: its `item` is NULL in the seeds and in every published table, and
    NULL never equals NULL in a join. So each model below the marts that carries `item` carries `item_key`
    beside it, the empty string for a headline indicator, and every join on the item is a plain
    `item_key = item_key`. `item` itself is carried unchanged for the marts to publish; a mart that joins a
    published table (whose item may be NULL) forms the key with this macro.

    The empty string is free to mean "no item": the staging models read an empty item as NULL, so no
    real item is ''. -#}
{% macro item_key(item) -%}
    coalesce({{ item }}, '')
{%- endmacro %}
