"""Writing a published table to Parquet with dbt's descriptions in its schema metadata.

DuckDB's `COPY … (FORMAT parquet)` cannot set field-level metadata, so the table goes through Arrow: each
column's description (its comment, from the dbt project) becomes the field metadata key `description`, and the
table's own description and name go into the schema metadata, where pyarrow, Spark and most BI tools find them.
Rows are in the table's key order and carry the observation flag (warehouse/exported_tables.py), like the CSV
files; values are written as computed, never rounded.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from itip_pipeline.warehouse.exported_tables import FLAG_COLUMN, FLAG_DESCRIPTION, export_query
from itip_pipeline.warehouse.marts_copy import MARTS_SCHEMA


def write_described_parquet(con: duckdb.DuckDBPyConnection, database: str, table: str, path: Path) -> None:
    """`database`.marts.`table` (attached to con) as a Parquet file at `path`, descriptions included."""
    where = "database_name = ? and schema_name = ? and table_name = ? and comment is not null"
    columns = dict(
        con.execute(
            f"select column_name, comment from duckdb_columns() where {where}", [database, MARTS_SCHEMA, table]
        ).fetchall()
    )
    described = con.execute(
        f"select comment from duckdb_tables() where {where}", [database, MARTS_SCHEMA, table]
    ).fetchall()
    relation = f'{database}.{MARTS_SCHEMA}."{table}"'
    data = con.sql(export_query(relation, table, con.sql(f"select * from {relation} limit 0").columns)).to_arrow_table()
    if FLAG_COLUMN in data.column_names and FLAG_COLUMN not in columns:
        columns[FLAG_COLUMN] = FLAG_DESCRIPTION
    fields = [
        f.with_metadata({b"description": columns[f.name].encode()}) if f.name in columns else f for f in data.schema
    ]
    metadata = {b"itip.table": table.encode()}
    if described:
        metadata[b"description"] = described[0][0].encode()
    pq.write_table(pa.Table.from_arrays(data.columns, schema=pa.schema(fields, metadata=metadata)), path)
