"""Alerts to the people who run the warehouse: a failed run and a late delivery, by e-mail (standard library only;
the Dagster sensors that raise them are in itip_pipeline/defs/alert_sensors.py)."""
