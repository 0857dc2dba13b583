"""Published Parquet files carry dbt's column and table descriptions in their schema metadata, the rows of the
table in its key order, and the observation flag."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from itip_pipeline.publish.parquet_export import write_described_parquet
from itip_pipeline.warehouse.exported_tables import FLAG_DESCRIPTION
from itip_pipeline.warehouse.marts_copy import quote

from support.report_fixture import write_published_fixture

KEY = ["indicator_id", "item", "population", "year"]  # mart_ai_adoption's key in its yml


def test_a_parquet_file_carries_the_descriptions_the_rows_in_key_order_and_the_flag(tmp_path):
    warehouse = write_published_fixture(tmp_path / "itip.duckdb")
    path = tmp_path / "mart_ai_adoption.parquet"
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote(str(warehouse))} as published (read_only)")
        write_described_parquet(con, "published", "mart_ai_adoption", path)
        table = con.sql("select * from published.marts.mart_ai_adoption").df()
    finally:
        con.close()
    assert table["year"].tolist() != sorted(table["year"]), "the fixture's rows are not in key order"
    schema = pq.read_schema(path)
    assert b"vet ikke included" in schema.field("share_pct").metadata[b"description"]
    assert schema.field("flag").metadata[b"description"] == FLAG_DESCRIPTION.encode()
    assert schema.metadata[b"description"] == b"The mart_ai_adoption table."
    assert schema.metadata[b"itip.table"] == b"mart_ai_adoption"
    written = pd.read_parquet(path)
    expected = table.sort_values(KEY, na_position="first", ignore_index=True)
    pd.testing.assert_frame_equal(written, expected)  # the mart's own flag column, kept
    assert pd.api.types.is_float_dtype(written["share_pct"]), "numbers stay numbers"
    flags = dict(zip(zip(written["population"], written["year"], strict=True), written["flag"], strict=True))
    assert flags[("stat", 2025)] == "bc", "withheld and a series break: letters in alphabetical order"
    assert flags[("kommune", 2023)] == "u" and flags[("kommune", 2025)] == "b" and flags[("stat", 2024)] is None
