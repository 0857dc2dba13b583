"""Dagster definitions, split by what they do: ingest, dbt (defs/dbt/), quality checks, publishing, the figure
book, automation (jobs, schedule, landing sensor) and alert sensors. definitions.py gathers them.
"""
