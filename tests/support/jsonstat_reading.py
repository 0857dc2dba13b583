"""Reading the JSON-stat files back as a statistics client would, for the unit and end-to-end tests.

The schema is the official JSON-stat 2.0 schema, "version 1.03 of the JSON-stat 2.0 Schema (2016-05-04)", id
https://json-stat.org/format/schema/2.0/, as published by the JSON-stat project (json-stat.org); vendored in
jsonstat_schema_2.0.json beside this module (the same keywords and values, serialised as JSON). What JSON
Schema cannot say (the value array as long as the cube, every dimension of `id` described and sized) is
checked here too.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import jsonschema
import pandas as pd
from pyjstat import pyjstat

SCHEMA_FILE = Path(__file__).with_name("jsonstat_schema_2.0.json")
CLASSES = ("dataset", "dimension", "collection")  # the order of the schema's oneOf


@cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def problems(document: dict) -> list[str]:
    """Every way the document breaks the JSON-stat 2.0 schema or its cube rules; empty when it is valid."""
    found = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for error in _validator().iter_errors(document)
        for e in _within_its_class(error, document)
    ]
    if found or document.get("class") != "dataset":
        return found
    ids, sizes, dimension = document["id"], document["size"], document["dimension"]
    if set(dimension) != set(ids) or len(ids) != len(sizes):
        found.append(f"dimensions {sorted(dimension)} are not the ids {ids} with a size each ({sizes})")
    for dim, size in zip(ids, sizes, strict=False):
        index = dimension.get(dim, {}).get("category", {}).get("index", [])
        if len(index) != size:
            found.append(f"dimension {dim} has {len(index)} categories, its size says {size}")
    if len(document["value"]) != math.prod(sizes):
        found.append(f"{len(document['value'])} values for a cube of {math.prod(sizes)} cells")
    status = document.get("status", {})
    outside = [key for key in status if not 0 <= int(key) < len(document["value"])]
    if outside:
        found.append(f"status for cells outside the cube: {outside[:5]}")
    return found


def _within_its_class(error: jsonschema.ValidationError, document: dict) -> list[jsonschema.ValidationError]:
    """The schema is one of three objects (dataset, dimension, collection): a document that fits none is
    reported by the errors of the one its class names, not by the whole document."""
    if error.validator != "oneOf" or error.absolute_path or document.get("class") not in CLASSES:
        return [error]
    branch = CLASSES.index(document["class"])
    return [e for e in error.context if e.relative_schema_path[0] == branch] or [error]


def read_cells(text: str) -> pd.DataFrame:
    """The dataset read by pyjstat: one row per cell, a column per dimension id, `value` and `status`."""
    read = pyjstat.Dataset.read(text)
    cells = read.write("dataframe", naming="id")
    status = read.get("status")
    if status:
        cells["status"] = read.write("dataframe", naming="id", value="status")["status"].to_numpy()
    else:
        cells["status"] = None
    return cells
