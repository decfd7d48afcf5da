"""Search terms and highlighted snippets, on plain strings."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

#: SQLite's trigram tokenizer can only match terms of three or more characters.
TRIGRAM = 3


@dataclass(frozen=True)
class Query:
    """A search query split into terms (at most eight, each at most 64 characters)."""

    terms: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Query:
        terms = []
        for term in (text or "").split():
            term = term.strip("\"'")[:64]
            if term and term.casefold() not in (t.casefold() for t in terms):
                terms.append(term)
        return cls(tuple(terms[:8]))

    @property
    def fits_trigram(self) -> bool:
        """True when every term is long enough for the trigram index."""
        return bool(self.terms) and all(len(term) >= TRIGRAM for term in self.terms)

    def fts_expression(self) -> str:
        """An FTS5 MATCH expression: every term as a quoted phrase, all required."""
        return " AND ".join('"' + term.replace('"', '""') + '"' for term in self.terms)


def snippet(text: str, terms: tuple[str, ...], width: int = 80) -> Markup:
    """About ``width`` characters of ``text`` around the first hit, hits wrapped in <mark>."""
    folded = text.casefold()
    hits = [folded.find(term.casefold()) for term in terms]
    hits = [hit for hit in hits if hit >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    end = min(len(text), start + width)
    window = text[start:end].replace("\n", " ")
    marked = _mark(window, terms)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return Markup(prefix + marked + suffix)


def highlight(text: str, terms: tuple[str, ...]) -> Markup:
    """``text`` escaped, with every occurrence of a term wrapped in <mark>."""
    return Markup(_mark(text, terms))


def _mark(window: str, terms: tuple[str, ...]) -> str:
    folded = window.casefold()
    spans: list[tuple[int, int]] = []
    for term in terms:
        needle = term.casefold()
        position = folded.find(needle)
        while needle and position >= 0:
            spans.append((position, position + len(needle)))
            position = folded.find(needle, position + len(needle))
    spans.sort()
    out, cursor = [], 0
    for begin, finish in spans:
        if begin < cursor:
            continue
        out.append(escape(window[cursor:begin]))
        out.append(f"<mark>{escape(window[begin:finish])}</mark>")
        cursor = finish
    out.append(escape(window[cursor:]))
    return "".join(out)
