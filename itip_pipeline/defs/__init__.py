"""Dagster definitions, split by what they do: ingest, dbt, quality checks, publishing, automation."""
