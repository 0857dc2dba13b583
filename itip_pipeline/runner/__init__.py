"""The commands that start work: `itip run` (every landed year loaded, then built, checked and published in
one Dagster run), `itip serve` (webserver and daemon as production runs them) and `itip docs` (dbt's site).
"""
