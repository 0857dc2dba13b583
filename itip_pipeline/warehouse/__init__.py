"""The working DuckDB file: its one-writer lock, the raw tables loads write, and the candidate build a run
freezes right after dbt, so that it checks and publishes exactly what it built.
"""
