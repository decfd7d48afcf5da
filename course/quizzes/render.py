"""Turn an author's question text into safe HTML once, when a course version is imported."""

from __future__ import annotations

import html
import re

import nh3

from course.catalog.markdown import render_markdown

#: A missing-word question marks its gap with this token in the text.
BLANK = "{_}"
BLANK_HTML = '<span class="quiz-blank">_____</span>'
URL = re.compile(r"(?<![\"'=>])\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def render_text(text: str, fmt: str = "markdown") -> str:
    """Render Markdown (the default), sanitise HTML, escape plain text, or auto-format as Moodle
    does (``moodle``: HTML kept and sanitised, new lines as line breaks, bare web addresses
    linked); show the gap."""
    if fmt == "html":
        rendered = nh3.clean(text)
    elif fmt == "moodle":
        linked = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', text)
        rendered = nh3.clean(linked.replace("\r\n", "\n").replace("\n", "<br>"))
    elif fmt == "plain":
        paragraphs = [html.escape(part).replace("\n", "<br>") for part in text.split("\n\n")]
        rendered = "".join(f"<p>{part}</p>" for part in paragraphs if part.strip())
    else:
        rendered = render_markdown(text)
    return rendered.replace(BLANK, BLANK_HTML)
