"""dbt inside Dagster: how dbt is started (command, environment, manifest), the dbt assets that build the
marts and freeze the run's candidate, and the pruning of dbt's per-run target folders.
"""
