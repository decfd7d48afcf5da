"""Languages: which one a request speaks, and picking text from localised values.

Interface text goes through Flask-Babel (catalogue locales ``zh_CN`` and ``en``); course content
is written per locale with BCP 47 tags (``zh-CN``, ``en``). This module converts between the two.
"""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale
from flask import g, has_request_context, request, session
from flask_login import current_user

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
LANGUAGE_NAMES = {"zh-CN": "中文", "en": "English"}


def to_babel(locale: str) -> str:
    """``zh-CN`` -> ``zh_CN``."""
    return locale.replace("-", "_")


def normalise(tag: str | None) -> str | None:
    """Map a loose language tag (``zh``, ``zh-cn``, ``en-GB``) to a supported locale."""
    if not tag:
        return None
    tag = tag.strip().lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    """The request's locale: a ``?lang=`` link, the switcher's choice, the user's preference,
    then Accept-Language, then Chinese."""
    chosen = normalise(request.args.get("lang")) or normalise(session.get("lang"))
    if chosen is None and current_user and current_user.is_authenticated:
        chosen = normalise(current_user.locale)
    if chosen is None:
        chosen = normalise(request.accept_languages.best_match(["zh-CN", "zh", "en"]))
    return chosen or DEFAULT_LOCALE


_BABEL_LOCALES: dict[str, Locale] = {}


def babel_locale_selector() -> Locale:
    """The request's locale for Flask-Babel, as a parsed ``Locale`` kept per process (parsing
    one from a string scans Babel's locale data folder, a cost every page would pay)."""
    tag = current_locale()
    if tag not in _BABEL_LOCALES:
        _BABEL_LOCALES[tag] = Locale.parse(to_babel(tag))
    return _BABEL_LOCALES[tag]


def current_locale() -> str:
    """The content locale of the current request (``zh-CN`` or ``en``), memoised per request."""
    if not has_request_context():
        return DEFAULT_LOCALE
    if "locale" not in g:
        g.locale = select_locale()
    return g.locale


def localized(value: str | Mapping[str, str] | None, locale: str | None = None) -> str:
    """Pick the text for ``locale`` from a localised value, falling back to the default locale."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    locale = locale or current_locale()
    return value.get(locale) or value.get(DEFAULT_LOCALE) or next(iter(value.values()), "")
