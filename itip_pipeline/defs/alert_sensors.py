"""The alert sensors: a mail when a run fails, and a warning (and the same mail) when a year's delivery is late.

Both run in the Dagster daemon (`itip serve`, `make ui`); mail goes out only when ITIP_SMTP_HOST and friends are
set (itip_pipeline/alerting/mail.py), otherwise the failure sensor does nothing and the freshness sensor logs.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from itip_pipeline.alerting.failure_sentences import NO_STEP_FAILURE, after_publish_failures, step_failures
from itip_pipeline.alerting.freshness import late_delivery_text, late_year
from itip_pipeline.alerting.mail import MailSettings, send_alert
from itip_pipeline.core.settings import get_settings
from itip_pipeline.core.survey_years import survey_year_keys
from itip_pipeline.defs.partitions import run_partitions
from itip_pipeline.ingest.loading.landing_watch import landing_folders, loaded_fingerprints
from itip_pipeline.warehouse.working_db import WarehouseBusy

OSLO = ZoneInfo("Europe/Oslo")
MAIL_OFF = "no alert mail: ITIP_SMTP_HOST is not set"


@dg.run_failure_sensor(
    name="run_failure_mail",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Mails the job, run id, failed step and what went wrong when a run of this code location fails. "
    "Does nothing unless ITIP_SMTP_HOST, ITIP_SMTP_FROM and ITIP_ALERT_TO are set (deploy/README.md).",
)
def run_failure_mail(context: dg.RunFailureSensorContext):
    mail = MailSettings.from_env()
    if mail is None:
        return dg.SkipReason(MAIL_OFF)
    run = context.dagster_run
    subject, body = failure_mail(
        run.job_name, run.run_id, run_partitions(run.tags), step_failures(context.get_step_failure_events())
    )
    send_alert(mail, subject, body)
    return None


def failure_mail(job_name: str, run_id: str, partition: str | None, failures: list[tuple[str, str]]) -> tuple[str, str]:
    """Subject and body of the run-failure mail: the failed steps' sentences, never a traceback."""
    what = f"{job_name} ({partition})" if partition else job_name
    lines = [f"The Dagster run {run_id} of the job {what} failed.", ""]
    for step_key, sentence in failures or [("(none recorded)", NO_STEP_FAILURE)]:
        lines += [f"Failed step: {step_key}", sentence, ""]
    after_publish = after_publish_failures(step_key for step_key, _ in failures)
    left = (
        f"The run published a new version before {' and '.join(after_publish)} failed: the warehouse and Parquet "
        "files are that version, and the figure book (its pages say so) and exports stay stale until a run "
        "redraws them."
        if after_publish
        else "The published warehouse was left as it was."
    )
    lines.append(f"The run's full log is in the Dagster UI under Runs, run {run_id}. {left}")
    return f"run of {what} failed", "\n".join(lines)


@dg.sensor(
    name="late_delivery",
    minimum_interval_seconds=3600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Hourly: once 1 July of a survey year has passed with no delivery for that year (no landing folder, "
    "no load), logs a warning and mails it when ITIP_SMTP_HOST is set; once per year (the cursor keeps the year).",
)
def late_delivery(context: dg.SensorEvaluationContext):
    return check_freshness(context, datetime.now(OSLO).date())


def check_freshness(context: dg.SensorEvaluationContext, today: date) -> dg.SkipReason:
    """The late_delivery sensor's evaluation on `today` (tests pass a date)."""
    settings = get_settings()
    known = {int(key) for key in survey_year_keys(today)}
    try:
        loaded = loaded_fingerprints(settings.work_db)
    except WarehouseBusy:
        return dg.SkipReason("a load holds the working database; looking again at the next tick")
    year = late_year(today, set(landing_folders(settings.landing_dir, known).years) | set(loaded))
    if year is None:
        return dg.SkipReason(f"this year's delivery is not late on {today:%d %B %Y}")
    if context.cursor == str(year):
        return dg.SkipReason(f"already warned that the {year} delivery is late")
    text = late_delivery_text(year, settings.landing_dir)
    context.log.warning(text)
    mail = MailSettings.from_env()
    if mail is not None:
        send_alert(mail, f"the {year} delivery is late", text)  # an SMTP error fails the tick: tried next hour
    context.update_cursor(str(year))
    return dg.SkipReason(text if mail else f"{text} ({MAIL_OFF})")
