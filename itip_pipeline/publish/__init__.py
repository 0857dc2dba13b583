"""The checked candidate published for BI tools: a versioned folder (DuckDB file + Parquet with column
descriptions) made current in one rename, and the warehouse file replaced with the same version.

Receives a candidate build; hands the report layer data/warehouse/itip.duckdb and data/marts/current/.
"""
