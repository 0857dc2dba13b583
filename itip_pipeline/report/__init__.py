"""What people open: the figure book (static HTML charts), the Excel/CSV exports and Parquet with column docs.

Everything here is fed by the published warehouse alone (data/warehouse/itip.duckdb, read-only) — labels,
titles, provenance and numbers — so anything it shows, a BI tool reading the same file can show too. The
check results page also reads the Dagster run's check records. The one exception is drawing ahead (predraw.py):
charts drawn from the run's candidate before publish, only into the chart cache, which the book then reads back
as the charts of the same marts. Nothing here writes the warehouse.
"""
