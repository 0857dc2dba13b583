"""Personal data in a delivery: the check that none is delivered (personal_checks), the panel's respondent ids
pseudonymised (pseudonymise) and the key they are hashed under (pseudonym_key).

The rule that recognises and masks a personal value lives in core/personal_values.py, because every refusal
sentence (ingest/problems.py) applies it.
"""
