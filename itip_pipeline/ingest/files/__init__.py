"""A delivery's files: which files a year folder holds and may be read (no links, known names), a private copy
taken before reading, and each format (xlsx, csv, sav, parquet) read into text columns with its traps refused.
"""
