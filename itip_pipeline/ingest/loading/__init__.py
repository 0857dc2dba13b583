"""Loading a year, or refusing it: which landed years changed, the year replaced in raw.* in one transaction,
accepted files archived, refused ones quarantined with a report, the panel re-hashed after a key change, the
self-check that runs the same rules and writes nothing, and the quarantine's retention.
"""
