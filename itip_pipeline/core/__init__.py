"""The shared vocabulary, standard library only: settings and paths, the delivery contract, survey years, hashes,
progress lines, the personal-value masking rule, and the build state the no-op check compares.

`itip run` answers "nothing changed" from this layer alone, before pandas, DuckDB or Dagster are imported,
so nothing here may import a third-party package at module level.
"""
