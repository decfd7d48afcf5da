"""Field checks shared by the quiz and question formats; each failure becomes a ``Problem``."""

from __future__ import annotations

import re

from course.problems import Problem
from course.yamlsource import Path, YamlDocument

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MISSING = object()


class Checker:
    """Reads typed fields out of a located YAML value and collects what is wrong with them."""

    def __init__(self, source: YamlDocument, filename: str, locales: list[str]) -> None:
        self.source = source
        self.filename = filename
        self.locales = list(locales)
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str) -> None:
        """Record a problem at the line of ``path``."""
        self.problems.append(Problem(self.filename, self.source.line(*path), message))

    def mapping(self, value: object, path: Path, what: str) -> dict | None:
        """``value`` if it is a mapping, else a problem."""
        if isinstance(value, dict):
            return value
        self.problem(path, f"{what} must be a mapping")
        return None

    def unknown_keys(self, mapping: dict, allowed: set[str], path: Path) -> None:
        """Report every key of ``mapping`` that the format does not define."""
        for key in mapping:
            if key not in allowed:
                self.problem(path + (key,), f"unknown field {key!r}")

    def localised(
        self, mapping: dict, key: str, path: Path, *, required: bool = True
    ) -> dict | None:
        """A localised string: one string for every locale, or a map with exactly the locales."""
        value = mapping.get(key, MISSING)
        where = path + (key,)
        if value is MISSING or value is None:
            if required:
                self.problem(path, f"missing {key!r}")
            return None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value)
            if not text.strip():
                self.problem(where, f"{key!r} is empty")
            return {locale: text for locale in self.locales}
        if isinstance(value, dict):
            result = {}
            for locale in value:
                if locale not in self.locales:
                    self.problem(where + (locale,), f"{key!r} has an undeclared locale {locale!r}")
            for locale in self.locales:
                text = value.get(locale)
                if not isinstance(text, (str, int, float)) or not str(text).strip():
                    self.problem(where, f"{key!r} is missing the {locale} text")
                    continue
                result[locale] = str(text)
            return result if len(result) == len(self.locales) else None
        if isinstance(value, bool):
            self.problem(where, f"{key!r} was read as yes/no; put the text in quotes")
        else:
            self.problem(where, f"{key!r} must be a string or a map of locales")
        return None

    def number(
        self,
        mapping: dict,
        key: str,
        path: Path,
        *,
        default: object = MISSING,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> float | int | None:
        """A number within ``low..high``; ``default`` when absent (a problem if no default)."""
        value = mapping.get(key, MISSING)
        if value is MISSING:
            if default is MISSING:
                self.problem(path, f"missing {key!r}")
                return None
            return default  # type: ignore[return-value]
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            kind = "a whole number" if integer else "a number"
            self.problem(path + (key,), f"{key!r} must be {kind}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            if high is None:
                self.problem(path + (key,), f"{key!r} must be at least {low}")
            else:
                self.problem(path + (key,), f"{key!r} must be within {low}..{high}")
            return None
        return value

    def boolean(self, mapping: dict, key: str, path: Path, default: bool) -> bool:
        """A true/false field."""
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            self.problem(path + (key,), f"{key!r} must be true or false")
            return default
        return value

    def choice(
        self, mapping: dict, key: str, path: Path, options: tuple, default: object
    ) -> object:
        """One of a fixed set of words."""
        value = mapping.get(key, default)
        if value not in options:
            listed = ", ".join(str(option) for option in options)
            self.problem(path + (key,), f"{key!r} must be one of: {listed}")
            return default
        return value

    def slug(self, mapping: dict, key: str, path: Path) -> str | None:
        """A required slug (lowercase ASCII words joined by hyphens)."""
        value = mapping.get(key, MISSING)
        if value is MISSING:
            self.problem(path, f"missing {key!r}")
            return None
        if not isinstance(value, str) or not SLUG.match(value):
            self.problem(path + (key,), f"{key!r} must be a slug like 'q-roles-01', not {value!r}")
            return None
        return value

    def string_list(self, mapping: dict, key: str, path: Path) -> list[str]:
        """An optional list of non-empty strings (tags, objectives)."""
        value = mapping.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(item, (str, int)) and str(item).strip() for item in value
        ):
            self.problem(path + (key,), f"{key!r} must be a list of words")
            return []
        return [str(item) for item in value]
