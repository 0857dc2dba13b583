"""itip_pipeline: the IT i praksis warehouse — survey deliveries in, report indicators out.

The package is a stack of layers, one folder each, in the order a year's data flows through them. A layer
imports only from the layers below it (import-linter checks this in the test suite: `[tool.importlinter]` in
pyproject.toml), so each folder can be read knowing only what lies beneath it:

    cli.py          the `itip` command
    runner/         `itip run`, `itip serve`, `itip docs`: start the pipeline and its services
    definitions.py  the one Dagster code location
    defs/           Dagster assets, checks, jobs, sensors; defs/dbt/ starts dbt
    report/ alerting/ instance/
                    figure book and exports; alert mails; the Dagster instance (home, storage, orphaned runs)
    publish/ quality/
                    the checked build published as a version; Great Expectations and reconciliation
    ingest/ synthetic/
                    a year's delivery read (files/), checked (rules/, privacy/) and loaded or refused
                    (loading/); the SYNTHETIC deliveries generator
    warehouse/      the working DuckDB file, its writer lock, raw tables, candidate builds
    reference/      dbt's seeds read for Python (question catalogue, municipality register)
    core/           standard library only: settings, the delivery contract, survey years, hashing,
                    progress lines, escaping for each output, personal-value masking, and what the no-op
                    check of `itip run` reads

Packages on one line share a layer and do not import each other.
"""
