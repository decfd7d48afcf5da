"""The text of each notification, in the recipient's language (their profile's locale)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from course.i18n import localized, to_babel

if TYPE_CHECKING:
    from course.accounts.models import User
    from course.notifications.models import Notification


def _path(endpoint: str, **values) -> str:
    """An absolute link on the configured public address (never a request's host)."""
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def _date(value: str | None, locale: str) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    return (
        moment.strftime("%Y年%m月%d日 %H:%M UTC")
        if locale == "zh-CN"
        else moment.strftime("%d %B %Y %H:%M UTC")
    )


def compose(notification: Notification, user: User) -> tuple[str, str]:
    """``(subject, body)`` for one notification, in ``user.locale``."""
    locale = user.locale or "zh-CN"
    facts = notification.facts or {}
    course = localized(facts.get("course") or "", locale)
    with force_locale(to_babel(locale)):
        link = _path("dashboard.home")
        if facts.get("course_slug"):
            link = _path("catalog.course", slug=facts["course_slug"])
        elif facts.get("certificate_id"):
            link = _path("certificates.mine")
        due = _date(facts.get("due_at"), locale)
        until = _date(facts.get("valid_until"), locale)
        texts = {
            "assigned": (
                _("New course assigned: %(course)s", course=course),
                _("You have been assigned the course %(course)s.", course=course)
                + ("\n" + _("Please complete it by %(due)s.", due=due) if due else ""),
            ),
            "due_7": (
                _("Due in 7 days: %(course)s", course=course),
                _("The course %(course)s is due on %(due)s.", course=course, due=due),
            ),
            "due_1": (
                _("Due tomorrow: %(course)s", course=course),
                _("The course %(course)s is due on %(due)s.", course=course, due=due),
            ),
            "overdue": (
                _("Overdue: %(course)s", course=course),
                _(
                    "The course %(course)s was due on %(due)s and is not complete yet.",
                    course=course,
                    due=due,
                ),  # fmt: skip
            ),
            "graded": (
                _("Your work has been graded: %(course)s", course=course),
                _(
                    "An instructor has graded your essay or reflection in %(course)s.",
                    course=course,
                ),  # fmt: skip
            ),
            "certificate_issued": (
                _("Your certificate is ready: %(course)s", course=course),
                _(
                    "Your certificate for %(course)s (serial %(serial)s) has been issued.",
                    course=course,
                    serial=facts.get("serial", ""),
                ),  # fmt: skip
            ),
            "expiring_60": (
                _("Certificate expires in 60 days: %(course)s", course=course),
                _(
                    "Your certificate for %(course)s expires on %(until)s. Retake the course to "
                    "renew it.",
                    course=course,
                    until=until,
                ),  # fmt: skip
            ),
            "expiring_30": (
                _("Certificate expires in 30 days: %(course)s", course=course),
                _(
                    "Your certificate for %(course)s expires on %(until)s. Retake the course to "
                    "renew it.",
                    course=course,
                    until=until,
                ),  # fmt: skip
            ),
        }
        subject, body = texts[notification.kind]
        footer = _(
            "Open: %(link)s\n\nYou can turn these e-mails off in your profile: %(profile)s",
            link=link,
            profile=_path("accounts.profile"),
        )
    return subject, f"{body}\n\n{footer}\n"
