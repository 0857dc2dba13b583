"""Alert mail through SMTP, configured by environment variables only (credentials never live in the repository).

ITIP_SMTP_HOST        the SMTP server; unset: alerting by mail is off and the sensors only log
ITIP_SMTP_PORT        default 25 (587 with ITIP_SMTP_STARTTLS=1 is the usual submission port)
ITIP_SMTP_FROM        the sender address (required when ITIP_SMTP_HOST is set)
ITIP_ALERT_TO         one or more recipients, separated by commas (required when ITIP_SMTP_HOST is set)
ITIP_SMTP_STARTTLS    1/true/yes: upgrade the connection with STARTTLS before logging in
ITIP_SMTP_USER        with ITIP_SMTP_PASSWORD: log in before sending
ITIP_SMTP_PASSWORD
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from itip_pipeline.core.escaping import for_mail_body, for_mail_header

SUBJECT_PREFIX = "[itip]"
_TRUE = {"1", "true", "yes", "on"}


class MailNotConfigured(ValueError):
    """ITIP_SMTP_HOST is set but the rest of the mail settings are missing or wrong: a sentence saying which."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool = False
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings | None:
        """The settings, or None when ITIP_SMTP_HOST is unset (mail alerts off). Raises MailNotConfigured."""
        env = os.environ if env is None else env
        host = env.get("ITIP_SMTP_HOST", "").strip()
        if not host:
            return None
        sender = env.get("ITIP_SMTP_FROM", "").strip()
        recipients = tuple(a.strip() for a in env.get("ITIP_ALERT_TO", "").split(",") if a.strip())
        missing = [name for name, value in (("ITIP_SMTP_FROM", sender), ("ITIP_ALERT_TO", recipients)) if not value]
        if missing:
            raise MailNotConfigured(
                f"ITIP_SMTP_HOST is set but {' and '.join(missing)} not: no alert mail can be "
                "sent until they are (see deploy/README.md)"
            )
        port_text = env.get("ITIP_SMTP_PORT", "25").strip() or "25"
        if not port_text.isdigit():
            raise MailNotConfigured(f"ITIP_SMTP_PORT must be a port number, not {port_text!r}")
        user = env.get("ITIP_SMTP_USER") or None
        password = env.get("ITIP_SMTP_PASSWORD") or None
        if bool(user) != bool(password):
            raise MailNotConfigured("ITIP_SMTP_USER and ITIP_SMTP_PASSWORD go together: set both or neither")
        return cls(
            host,
            int(port_text),
            sender,
            recipients,
            env.get("ITIP_SMTP_STARTTLS", "").strip().lower() in _TRUE,
            user,
            password,
        )


def alert_message(settings: MailSettings, subject: str, body: str) -> EmailMessage:
    """The mail: subject and body may quote a delivery (a file name, a refusal's problems), so they go through
    core/escaping (one line for the subject, no control characters in either)."""
    message = EmailMessage()
    message["Subject"] = for_mail_header(f"{SUBJECT_PREFIX} {subject}")
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message.set_content(for_mail_body(body))
    return message


def send_alert(settings: MailSettings, subject: str, body: str, timeout_s: float = 30) -> None:
    """Send one plain-text mail to every recipient. SMTP errors propagate: the caller's tick fails and says so."""
    message = alert_message(settings, subject, body)
    with smtplib.SMTP(settings.host, settings.port, timeout=timeout_s) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)
