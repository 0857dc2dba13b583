"""One year's delivery from the landing folder into the raw schema: which years changed (landing_watch), the
files read (readers), checked (codebook, schemas, validate) and loaded in one transaction (loader), or refused
with a report and quarantined (load_report, archive_quarantine).

Receives a landing folder; hands dbt the raw.* tables and raw.load_log.
"""
