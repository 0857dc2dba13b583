"""Checks on the built marts, independent of dbt's own tests."""
