"""One year's delivery from the landing folder into the raw schema, in four rooms, each using only those below:

    loading/   which years changed (landing_watch); a year loaded in one transaction (loader) or refused with a
               report and quarantined (load_report, archive_quarantine); re-hashing after a key change; `itip
               check` (self_check); the quarantine's retention
    rules/     the delivery contract checked on a year: codebook against the question catalogue, pandera
               schemas, kommunenummer against the register, answers and respondents (validate)
    files/ privacy/
               what a year folder holds and how each file format is read (readers, reader_traps);
               personal data: none delivered, panel ids pseudonymised under a key that is not the default
    problems.py
               what went wrong, as file, row, column, value and rule: the refusal sentence every room raises

Receives a landing folder; hands dbt the raw.* tables and raw.load_log.
"""
