"""Outgoing email: SMTP when configured, otherwise one ``.eml`` file per message in the outbox."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from course.db import utcnow


def send_mail(to: str, subject: str, body: str) -> Path | None:
    """Send a plain-text message; returns the outbox file when no SMTP server is configured."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if config.get("SMTP_HOST"):
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
            smtp.send_message(message)
        return None
    outbox = Path(config["INSTANCE_PATH"]) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    target = outbox / f"{stamp}-{to.replace('@', '_at_')}.eml"
    target.write_bytes(bytes(message))
    return target
