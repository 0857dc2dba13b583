"""Published Parquet files carry dbt's column and table descriptions in their schema metadata."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from itip_pipeline.publish.parquet_export import write_described_parquet
from itip_pipeline.warehouse.marts_copy import quote

from support.report_fixture import write_published_fixture


def test_a_parquet_file_carries_the_column_and_table_descriptions_and_the_same_rows(tmp_path):
    warehouse = write_published_fixture(tmp_path / "itip.duckdb")
    path = tmp_path / "mart_ai_adoption.parquet"
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote(str(warehouse))} as published (read_only)")
        write_described_parquet(con, "published", "mart_ai_adoption", path)
        expected = con.sql("select * from published.marts.mart_ai_adoption").df()
    finally:
        con.close()
    schema = pq.read_schema(path)
    assert b"vet ikke included" in schema.field("share_pct").metadata[b"description"]
    assert schema.metadata[b"description"] == b"The mart_ai_adoption table."
    assert schema.metadata[b"itip.table"] == b"mart_ai_adoption"
    pd.testing.assert_frame_equal(pd.read_parquet(path), expected)
