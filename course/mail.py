"""Outgoing e-mail: SMTP when a host is configured, otherwise one ``.eml`` per message in the
store's ``outbox/`` (so every machine's mail lands in one place).

SMTP is spoken plainly, with STARTTLS or with implicit TLS (``COURSE_SMTP_SECURITY`` =
``none`` | ``starttls`` | ``tls``), and logs in when ``COURSE_SMTP_USER`` is set. Messages are
sent by the job queue (``course.jobs.send_mail_task``), which retries a temporary failure with
a growing delay; a permanent refusal (a 5xx answer) is logged and counted, not retried.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

from flask import current_app

from course import metrics, storage
from course.db import utcnow

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


log = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "tls")


class MailError(Exception):
    """A message that could not be handed over; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def build_message(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def _tls_context(config: Mapping[str, Any]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config.get("SMTP_CA_FILE") or None)
    return context


def _deliver(config: Mapping[str, Any], message: EmailMessage) -> None:
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    security = config.get("SMTP_SECURITY", "none")
    timeout = 30
    if security == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=_tls_context(config))
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if security == "starttls":
            smtp.starttls(context=_tls_context(config))
            smtp.ehlo()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
        smtp.send_message(message)


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False  # a wrong password is fixed by the operator; keep the message queued
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def send_mail(to: str, subject: str, body: str) -> str | None:
    """Send a plain-text message; returns the outbox key when no SMTP server is configured.

    Raises :class:`MailError` when the server refuses or cannot be reached."""
    config = current_app.config
    message = build_message(to, subject, body, config["MAIL_FROM"])
    if not config.get("SMTP_HOST"):
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        key = f"outbox/{stamp}-{to.replace('@', '_at_').replace('/', '_')}.eml"
        storage.save(key, bytes(message))
        metrics.MAILS.labels("outbox").inc()
        return key
    try:
        _deliver(config, message)
    except (smtplib.SMTPException, OSError) as exc:
        permanent = _is_permanent(exc)
        metrics.MAILS.labels("refused" if permanent else "failed").inc()
        log.warning(
            "mail to %s not sent (%s): %s",
            _mask(to),
            "permanent" if permanent else "will retry",
            exc,
        )
        raise MailError(str(exc), permanent) from exc
    metrics.MAILS.labels("sent").inc()
    log.info("mail sent to %s", _mask(to))
    return None


def _mask(address: str) -> str:
    """``li***@example.com``: enough for an operator to match a complaint, not a mailing list."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"
