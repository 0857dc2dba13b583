"""What people open: the figure book (static HTML charts), the Excel/CSV exports and Parquet with column docs.

Everything here is fed by the published warehouse alone (data/warehouse/itip.duckdb, read-only) — labels,
titles, provenance and numbers — so anything it shows, a BI tool reading the same file can show too. The
check results page also reads the Dagster run's check records. Nothing here writes the warehouse.
"""
