"""Outgoing email: SMTP when configured, otherwise one ``.eml`` object per message in the file
store's ``outbox/`` folder (so every machine writes to the same outbox)."""

from __future__ import annotations

import re
import secrets
import smtplib
from email.message import EmailMessage

from flask import current_app

from course import storage
from course.db import utcnow

OUTBOX = "outbox"


def send_mail(to: str, subject: str, body: str) -> str | None:
    """Send a plain-text message; returns the outbox key when no SMTP server is configured."""
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
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    recipient = re.sub(r"[^A-Za-z0-9._-]", "_", to.replace("@", "_at_"))[:100]
    key = f"{OUTBOX}/{stamp}-{secrets.token_hex(3)}-{recipient}.eml"
    storage.save(key, bytes(message))
    return key


def outbox() -> list[str]:
    """The outbox's keys, oldest first (the key starts with the time it was written)."""
    return storage.keys(OUTBOX)
