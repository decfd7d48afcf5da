"""Turn an author's question text into safe HTML once, when a course version is imported."""

from __future__ import annotations

import html

import nh3

from course.catalog.markdown import render_markdown

#: A missing-word question marks its gap with this token in the text.
BLANK = "{_}"
BLANK_HTML = '<span class="quiz-blank">_____</span>'


def render_text(text: str, fmt: str = "markdown") -> str:
    """Render Markdown (the default), sanitise HTML, or escape plain text; show the gap."""
    if fmt == "html":
        rendered = nh3.clean(text)
    elif fmt == "plain":
        paragraphs = [html.escape(part).replace("\n", "<br>") for part in text.split("\n\n")]
        rendered = "".join(f"<p>{part}</p>" for part in paragraphs if part.strip())
    else:
        rendered = render_markdown(text)
    return rendered.replace(BLANK, BLANK_HTML)
