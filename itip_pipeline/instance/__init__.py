"""The Dagster instance this project runs on: DAGSTER_HOME's settings (SQLite or PostgreSQL), SQLite written
without a flush per event, and runs whose process died marked failed when the instance is opened.
"""
