"""Background work for accounts and invitations: sending e-mail."""

from __future__ import annotations

from course.jobs import app_context, huey
from course.mail import send_mail


@huey.task()
def send_mail_task(to: str, subject: str, body: str) -> str | None:
    """Send one e-mail in the background; returns the outbox file name when there is one."""
    with app_context():
        written = send_mail(to, subject, body)
    return written.name if written else None
