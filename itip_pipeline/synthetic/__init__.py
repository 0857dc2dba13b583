"""Deterministic SYNTHETIC survey deliveries, written in the delivery contract's formats.

Nothing here is real survey data: the generator invents organisations, panel respondents and answers,
calibrated so the shares match the published figures, and labels every file it writes as synthetic.
"""
