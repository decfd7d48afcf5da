"""Lesson Markdown to safe HTML: CommonMark plus tables, footnotes, definition lists and callouts.

Raw HTML is off, and whatever the parser produces is cleaned against an allow-list with nh3, so an
author's file can never put a script, a handler attribute or an inline style on a page (the
Content-Security-Policy forbids inline styles, so table alignment becomes a class).

Rendering happens once, when a course version is imported; pages serve the stored HTML.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

if TYPE_CHECKING:
    from typing import Any


#: Callout containers an author may write as ``::: name``. ``debrief`` serves case-study endings.
CALLOUTS = ("tip", "warning", "key-points", "debrief")

#: A resolver maps a relative link or image target to the URL to publish, or None to keep it.
Resolver = Callable[[str, str], str | None]

_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "code",
    "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "img", "hr", "br", "dl",
    "dt", "dd", "div", "section", "sup", "s",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "id", "title"},
    "img": {"src", "alt", "title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id"},
    "ol": {"start"},
}  # fmt: skip
_CLASSES = {
    "div": {"callout", *(f"callout-{name}" for name in CALLOUTS)},
    "p": {"callout-title"},
    "th": {"align-left", "align-center", "align-right"},
    "td": {"align-left", "align-center", "align-right"},
    "section": {"footnotes"},
    "ol": {"footnotes-list"},
    "li": {"footnote-item"},
    "sup": {"footnote-ref"},
    "a": {"footnote-backref"},
    "hr": {"footnotes-sep"},
    "code": {"language-text"},
}
_ROLE_VALUES = {"div": {"role": {"note"}}}
_ALIGN = re.compile(r"text-align:\s*(left|center|right)")
_WORD = re.compile(r"[A-Za-z0-9']+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class TocEntry:
    """One heading of a lesson: its level (2 or 3), anchor id and text."""

    level: int
    anchor: str
    title: str


@dataclass(frozen=True)
class Reference:
    """A relative link or image target found in the Markdown, with its 1-based source line."""

    kind: str  # "link" | "image"
    target: str
    line: int


@dataclass
class RenderedLesson:
    """The stored form of a lesson body: sanitised HTML, its table of contents and plain text."""

    html: str
    toc: list[TocEntry] = field(default_factory=list)
    text: str = ""
    references: list[Reference] = field(default_factory=list)


def render_markdown(text: str, resolver: Resolver | None = None) -> str:
    """Render Markdown (front matter ignored) to sanitised HTML."""
    return render_lesson(text, resolver).html


def render_lesson(text: str, resolver: Resolver | None = None) -> RenderedLesson:
    """Render a lesson body, collecting headings for the table of contents and relative targets.

    ``resolver(kind, target)`` is called for every relative link (``kind="link"``) and image
    (``kind="image"``); what it returns replaces the target, ``None`` keeps it as written. Line
    numbers refer to ``text`` as given (front matter included), so the checker can cite them.
    """
    md = _parser()
    env: dict = {}
    tokens = md.parse(text, env)
    toc = _assign_anchors(tokens)
    references = _rewrite_targets(tokens, resolver)
    _alignment_to_class(tokens)
    html = md.renderer.render(tokens, md.options, env)
    return RenderedLesson(
        html=sanitise(html), toc=toc, text=_plain_text(tokens), references=references
    )


def sanitise(html: str) -> str:
    """Clean HTML against the lesson allow-list (tags, attributes, classes, URL schemes)."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        allowed_classes=_CLASSES,
        tag_attribute_values=_ROLE_VALUES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def estimate_minutes(text: str) -> int:
    """Reading time: about 300 Chinese characters or 200 English words a minute, at least 1."""
    chinese = len(_CJK.findall(text))
    words = len(_WORD.findall(text))
    return max(1, round(chinese / 300 + words / 200))


def slugify(title: str) -> str:
    """An anchor id for a heading; keeps Chinese characters, drops punctuation."""
    folded = unicodedata.normalize("NFKC", title).strip().lower()
    kept = "".join(ch if ch.isalnum() or ch in " -_" else "" for ch in folded)
    return re.sub(r"[\s_]+", "-", kept).strip("-") or "section"


_PARSER: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    global _PARSER
    if _PARSER is None:
        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.enable(["table", "strikethrough"])
        md.use(front_matter_plugin).use(footnote_plugin).use(deflist_plugin)
        for name in CALLOUTS:
            md.use(container_plugin, name=name, render=_render_callout)
        _PARSER = md
    return _PARSER


def _render_callout(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    if token.nesting != 1:
        return "</div>\n"
    name, _, title = token.info.strip().partition(" ")
    out = f'<div class="callout callout-{name}" role="note">\n'
    if title.strip():
        out += f'<p class="callout-title">{escapeHtml(title.strip())}</p>\n'
    return out


def _inline_text(token: Token) -> str:
    return "".join(
        child.content for child in token.children or [] if child.type in ("text", "code_inline")
    )


def _assign_anchors(tokens: list[Token]) -> list[TocEntry]:
    toc: list[TocEntry] = []
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        title = _inline_text(tokens[index + 1])
        anchor = base = slugify(title)
        counter = 2
        while anchor in used:
            anchor, counter = f"{base}-{counter}", counter + 1
        used.add(anchor)
        token.attrSet("id", anchor)
        level = int(token.tag[1])
        if level in (2, 3):
            toc.append(TocEntry(level=level, anchor=anchor, title=title))
    return toc


def _is_relative(target: str) -> bool:
    return bool(target) and not target.startswith(("#", "/")) and ":" not in target.split("/")[0]


def _rewrite_targets(tokens: list[Token], resolver: Resolver | None) -> list[Reference]:
    references: list[Reference] = []
    for token in tokens:
        if token.type != "inline":
            continue
        line = (token.map[0] + 1) if token.map else 0
        for child in token.children or []:
            attr = {"link_open": "href", "image": "src"}.get(child.type)
            if attr is None:
                continue
            target = str(child.attrGet(attr) or "")
            if not _is_relative(target):
                continue
            kind = "link" if attr == "href" else "image"
            references.append(Reference(kind=kind, target=target, line=line))
            if resolver is not None:
                resolved = resolver(kind, target)
                if resolved is not None:
                    child.attrSet(attr, resolved)
    return references


def _alignment_to_class(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in ("th_open", "td_open") and token.attrGet("style"):
            match = _ALIGN.search(str(token.attrGet("style")))
            token.attrs.pop("style", None)
            if match:
                token.attrSet("class", f"align-{match.group(1)}")


def _plain_text(tokens: list[Token]) -> str:
    parts = [
        _inline_text(token) if token.type == "inline" else token.content
        for token in tokens
        if token.type in ("inline", "fence", "code_block")
    ]
    return "\n".join(part for part in parts if part)
