"""Reference tables for Python: dbt's seeds (question catalogue, municipality register, …) read in one way.

Receives nothing; hands ingest and the generator the same tables dbt builds from.
"""
