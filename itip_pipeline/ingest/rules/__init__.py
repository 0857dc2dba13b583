"""The delivery contract's rules on one year: the codebook against the question catalogue, the pandera schemas,
kommunenummer against the municipality register, and both surveys' answers and respondents validated together.
Nothing here writes: it turns files into checked frames or a list of problems.
"""
