"""What the candidate build takes from the dbt manifest for each mart: its key and its descriptions.

The key is the columns of the mart's `primary_key` test, declared once in the mart's yml
(dbt_project/tests/generic/primary_key.sql), which `dbt build` runs; the candidate build declares the same
columns as the table's key and sorts its rows by them (itip_pipeline.warehouse.marts_copy), and so does the
published file. The descriptions are the mart's and its columns' in the same yml: dbt does not write them into
the working database (dbt_project.yml says why), so the candidate gets them here, and the published file from it.
"""

from __future__ import annotations

import json
from pathlib import Path

from itip_pipeline.warehouse.marts_copy import TableDocs

KEY_TEST = "primary_key"
MARTS_SCHEMA = "marts"


def mart_keys(manifest_path: Path) -> dict[str, list[str]]:
    """table name -> key columns, for every model in schema marts that has a primary_key test."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    keys = {}
    for node in nodes.values():
        if node["resource_type"] != "test" or (node.get("test_metadata") or {}).get("name") != KEY_TEST:
            continue
        model = nodes.get(node.get("attached_node") or "")
        if model and model["schema"] == MARTS_SCHEMA:
            keys[model["alias"]] = list(node["test_metadata"]["kwargs"]["columns"])
    return keys


def marts_without_key(manifest_path: Path) -> list[str]:
    """The marts that declare no key: each published table must have one (a test asserts it)."""
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    marts = {n["alias"] for n in nodes if n["resource_type"] == "model" and n["schema"] == MARTS_SCHEMA}
    return sorted(marts - set(mart_keys(manifest_path)))


def mart_docs(manifest_path: Path) -> dict[str, TableDocs]:
    """table name -> its description and its columns' (those with one), for every model in schema marts."""
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    return {
        node["alias"]: TableDocs(
            node.get("description") or "",
            {name: column["description"] for name, column in node["columns"].items() if column.get("description")},
        )
        for node in nodes
        if node["resource_type"] == "model" and node["schema"] == MARTS_SCHEMA
    }
