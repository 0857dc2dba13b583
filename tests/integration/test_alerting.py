"""Alerting: the run-failure mail and the late-delivery warning, sent to an SMTP server the test starts on 127.0.0.1."""

from __future__ import annotations

import email
from datetime import date
from email.policy import default as default_policy

import dagster as dg
import pytest
from aiosmtpd.controller import Controller

from itip_pipeline.alerting.freshness import late_year
from itip_pipeline.alerting.mail import MailNotConfigured, MailSettings
from itip_pipeline.defs.alert_sensors import MAIL_OFF, check_freshness, failure_mail, run_failure_mail

from support.local_servers import free_port

SMTP_VARS = (
    "ITIP_SMTP_HOST",
    "ITIP_SMTP_PORT",
    "ITIP_SMTP_FROM",
    "ITIP_ALERT_TO",
    "ITIP_SMTP_STARTTLS",
    "ITIP_SMTP_USER",
    "ITIP_SMTP_PASSWORD",
)


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        # SMTP carries CRLF line ends; the tests compare text as written.
        content = envelope.content.replace(b"\r\n", b"\n")
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(content, policy=default_policy)))
        return "250 OK"


@pytest.fixture
def no_mail(monkeypatch):
    for name in SMTP_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def inbox(no_mail, monkeypatch):
    """A local SMTP server, and the ITIP_SMTP_* variables pointing at it."""
    port = free_port()
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("ITIP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ITIP_SMTP_PORT", str(port))
    monkeypatch.setenv("ITIP_SMTP_FROM", "itip@example.org")
    monkeypatch.setenv("ITIP_ALERT_TO", "ops@example.org, analyst@example.org")
    yield handler.messages
    controller.stop()


def _failed_run(error: Exception, tags=None):
    """A one-step job that raises `error`, run in process against a temporary instance: the failure sensor's context."""

    @dg.op(name="itip_dbt")
    def fails():
        raise error

    @dg.job(name="annual_load", tags=tags or {"dagster/partition": "2025"})
    def job():
        fails()

    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_mail",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    return result.run_id, context


def test_a_failed_run_mails_job_run_step_and_sentence(inbox):
    run_id, context = _failed_run(ValueError("the candidate has no marts"))
    run_failure_mail(context)
    [(recipients, mail)] = inbox
    assert recipients == ["ops@example.org", "analyst@example.org"]
    assert mail["Subject"] == "[itip] run of annual_load (2025) failed"
    body = mail.get_content()
    assert run_id in body and "Failed step: itip_dbt" in body
    assert "The step itip_dbt stopped on an unexpected error: the candidate has no marts" in body
    assert "Traceback" not in body and "ValueError" not in body and "dagster." not in body


def test_a_failed_run_over_several_years_names_the_range(inbox):
    _, context = _failed_run(
        ValueError("x"),
        tags={"dagster/asset_partition_range_start": "2021", "dagster/asset_partition_range_end": "2025"},
    )
    run_failure_mail(context)
    [(_, mail)] = inbox
    assert mail["Subject"] == "[itip] run of annual_load (2021–2025) failed"


def test_a_refused_delivery_is_mailed_in_the_refusal_s_own_words(inbox):
    _, context = _failed_run(dg.Failure(description="delivery 2025 rejected; quarantined to /q\n1 problem(s)"))
    run_failure_mail(context)
    [(_, mail)] = inbox
    assert "delivery 2025 rejected; quarantined to /q\n1 problem(s)" in mail.get_content()
    assert "Failure" not in mail.get_content()


def test_without_smtp_settings_a_failed_run_sends_nothing(no_mail):
    _, context = _failed_run(ValueError("boom"))
    assert run_failure_mail(context).skip_message == MAIL_OFF


@pytest.mark.parametrize(
    "env, sentence",
    [
        ({"ITIP_SMTP_HOST": "mail"}, "ITIP_SMTP_FROM and ITIP_ALERT_TO not"),
        ({"ITIP_SMTP_HOST": "mail", "ITIP_SMTP_FROM": "a@b", "ITIP_ALERT_TO": " , "}, "ITIP_ALERT_TO not"),
        (
            {"ITIP_SMTP_HOST": "mail", "ITIP_SMTP_FROM": "a@b", "ITIP_ALERT_TO": "c@d", "ITIP_SMTP_PORT": "smtp"},
            "must be a port number",
        ),
        (
            {"ITIP_SMTP_HOST": "mail", "ITIP_SMTP_FROM": "a@b", "ITIP_ALERT_TO": "c@d", "ITIP_SMTP_USER": "u"},
            "go together",
        ),
    ],
)
def test_half_configured_mail_is_refused_with_a_sentence(env, sentence):
    with pytest.raises(MailNotConfigured, match=sentence):
        MailSettings.from_env(env)


def test_mail_settings_from_the_environment():
    assert MailSettings.from_env({}) is None
    mail = MailSettings.from_env(
        {
            "ITIP_SMTP_HOST": "smtp.example.org",
            "ITIP_SMTP_PORT": "587",
            "ITIP_SMTP_FROM": "a@b",
            "ITIP_ALERT_TO": "c@d,e@f",
            "ITIP_SMTP_STARTTLS": "yes",
            "ITIP_SMTP_USER": "u",
            "ITIP_SMTP_PASSWORD": "p",
        }
    )
    assert (mail.port, mail.recipients, mail.starttls, mail.user) == (587, ("c@d", "e@f"), True, "u")


@pytest.mark.parametrize(
    "today, delivered, late",
    [
        (date(2026, 6, 30), set(), None),
        (date(2026, 7, 1), set(), None),  # due on 1 July: late once that day has passed
        (date(2026, 7, 2), set(), 2026),
        (date(2026, 12, 31), {2021, 2025}, 2026),
        (date(2026, 7, 2), {2026}, None),
        (date(2027, 1, 5), set(), None),  # a new year's delivery is not due before July
    ],
)
def test_a_delivery_is_late_once_1_july_has_passed_without_it(today, delivered, late):
    assert late_year(today, delivered) == late


def test_a_late_delivery_is_warned_about_and_mailed_once_a_year(settings, inbox):
    context = dg.build_sensor_context()
    assert "not late" in check_freshness(context, date(2026, 7, 1)).skip_message
    assert not inbox
    warning = check_freshness(context, date(2026, 7, 2)).skip_message
    assert warning.startswith("The 2026 delivery is late") and str(settings.landing_dir / "2026") in warning
    [(_, mail)] = inbox
    assert mail["Subject"] == "[itip] the 2026 delivery is late" and mail.get_content().strip() == warning
    assert "already warned" in check_freshness(context, date(2026, 8, 1)).skip_message
    assert len(inbox) == 1
    (settings.landing_dir / "2027").mkdir()
    assert "not late" in check_freshness(context, date(2027, 7, 2)).skip_message
    assert "2028 delivery is late" in check_freshness(context, date(2028, 7, 2)).skip_message
    assert len(inbox) == 2


def test_a_late_delivery_without_smtp_settings_is_a_warning_only(settings, no_mail):
    message = check_freshness(dg.build_sensor_context(), date(2026, 7, 2)).skip_message
    assert "The 2026 delivery is late" in message and MAIL_OFF in message


def test_a_failure_after_publish_is_mailed_as_a_published_version_with_a_stale_book():
    _, body = failure_mail(
        "build_and_publish", "r1", None, [("write_figure_book_and_exports", "Drawing the figure book failed …")]
    )
    assert "The run published a new version before the figure book and exports step failed" in body
    assert "stale" in body and "left as it was" not in body
    _, body = failure_mail("build_and_publish", "r2", None, [("itip_dbt", "a dbt test failed")])
    assert body.endswith("The published warehouse was left as it was.")
