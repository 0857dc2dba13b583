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
from typing import NamedTuple

from itip_pipeline.warehouse.marts_copy import MARTS_SCHEMA, TableDocs

KEY_TEST = "primary_key"


class MartDeclarations(NamedTuple):
    keys: dict[str, list[str]]  # table -> key columns, for every mart with a primary_key test
    docs: dict[str, TableDocs]  # table -> its description and its columns' (those with one), for every mart


def mart_declarations(manifest_path: Path) -> MartDeclarations:
    """Every mart's key and descriptions, from one reading of the manifest."""
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"]
    keys = {}
    for node in nodes.values():
        if node["resource_type"] != "test" or (node.get("test_metadata") or {}).get("name") != KEY_TEST:
            continue
        model = nodes.get(node.get("attached_node") or "")
        if model and model["schema"] == MARTS_SCHEMA:
            keys[model["alias"]] = list(node["test_metadata"]["kwargs"]["columns"])
    docs = {
        node["alias"]: TableDocs(
            node.get("description") or "",
            {name: column["description"] for name, column in node["columns"].items() if column.get("description")},
        )
        for node in nodes.values()
        if node["resource_type"] == "model" and node["schema"] == MARTS_SCHEMA
    }
    return MartDeclarations(keys, docs)
