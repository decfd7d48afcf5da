"""The lesson renderer: extensions render, anchors and links resolve, and no script survives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from course.catalog.markdown import estimate_minutes, render_lesson, render_markdown, slugify

SAFE_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "code",
    "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "img", "hr", "br", "dl",
    "dt", "dd", "div", "section", "sup", "s",
}  # fmt: skip


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.elements


def _scheme(url: str) -> str:
    cleaned = re.sub(r"[\x00-\x20]", "", url).lower()
    match = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


# Fifty-odd ways an author's Markdown might try to smuggle script into a page.
XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<svg onload="alert(1)">',
    "<iframe src=javascript:alert(1)></iframe>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    "<a href=# onclick=alert(1)>x</a>",
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    "<style>body{background:red}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "::: tip <script>alert(1)</script>\nx\n:::",
    '::: warning " onmouseover="alert(1)\nx\n:::',
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "Term\n: <script>alert(1)</script>",
    "x[^1]\n\n[^1]: <script>alert(1)</script>",
    "## <img src=x onerror=alert(1)>",
    '## x {onclick="alert(1)"}',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "![x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<https://ok.example/" onmouseover="alert(1)>',
    "[x](javascript&colon;alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "<scr<script>ipt>alert(1)</script>",
    "<a href='javas&#99;ript:alert(1)'>x</a>",
    "<img src=`x` onerror=`alert(1)`>",
    "<video><source onerror=alert(1)></video>",
    "<base href=javascript:/a/>",
    "<template><script>alert(1)</script></template>",
    "> <script>alert(1)</script>",
    "* <iframe srcdoc='<script>alert(1)</script>'></iframe>",
]


def test_corpus_is_large_enough():
    assert len(XSS_CORPUS) >= 50


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_no_payload_survives(payload):
    html = render_markdown(payload)
    for tag, attrs in _elements(html):
        assert tag in SAFE_TAGS, (payload, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (payload, html)
            assert name != "style", (payload, html)
            if name in ("href", "src"):
                assert _scheme(value) in ("", "http", "https", "mailto"), (payload, html)


def test_tables_render_with_alignment_classes_not_styles():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert "<table>" in html
    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-right">2</td>' in html
    assert "style=" not in html


def test_callouts_render_as_notes_with_optional_title():
    html = render_markdown("::: tip 小提示\nBe **kind**.\n:::\n\n::: key-points\n- one\n:::\n")
    assert '<div class="callout callout-tip" role="note">' in html
    assert '<p class="callout-title">小提示</p>' in html
    assert "<strong>kind</strong>" in html
    assert '<div class="callout callout-key-points" role="note">' in html


def test_unknown_container_stays_text():
    html = render_markdown("::: danger\nx\n:::\n")
    assert "callout" not in html
    assert "::: danger" in html


def test_footnotes_and_definition_lists():
    html = render_markdown("A claim.[^1]\n\nTerm\n: Meaning\n\n[^1]: The source.\n")
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1"' in html
    assert '<li id="fn1" class="footnote-item"><p>The source.' in html
    assert "<dl>\n<dt>Term</dt>\n<dd>Meaning</dd>" in html


def test_front_matter_is_not_rendered_but_lines_count_from_the_file_top():
    rendered = render_lesson("---\ntitle: x\n---\n\nSee [next](02-next.en.md).\n")
    assert "title" not in rendered.html
    assert rendered.references[0].line == 5


def test_headings_get_unique_anchors_and_a_table_of_contents():
    rendered = render_lesson("## 为什么协作？\n\ntext\n\n### Roles & tools\n\n## Roles & tools\n")
    assert [(e.level, e.anchor, e.title) for e in rendered.toc] == [
        (2, "为什么协作", "为什么协作？"),
        (3, "roles-tools", "Roles & tools"),
        (2, "roles-tools-2", "Roles & tools"),
    ]
    assert '<h2 id="为什么协作">' in rendered.html


def test_resolver_rewrites_relative_links_and_images_only():
    seen = []

    def resolver(kind, target):
        seen.append((kind, target))
        return "dividing-roles#x" if kind == "link" else "../assets/a.svg"

    html = render_lesson(
        "[a](../02-roles/01-dividing-roles.en.md#x) [b](https://example.org) [c](#top)\n\n"
        "![d](../assets/a.svg)\n",
        resolver,
    ).html
    assert seen == [("link", "../02-roles/01-dividing-roles.en.md#x"), ("image", "../assets/a.svg")]
    assert 'href="dividing-roles#x"' in html
    assert 'href="https://example.org"' in html
    assert 'src="../assets/a.svg"' in html


def test_plain_text_for_search():
    text = render_lesson("## 标题\n\n团队**协作**很重要。\n\n```\ncode\n```\n").text
    assert "团队协作很重要。" in text
    assert "code" in text


def test_reading_time_estimates():
    assert estimate_minutes("字" * 900) == 3
    assert estimate_minutes("word " * 400) == 2
    assert estimate_minutes("") == 1


def test_slugify_keeps_chinese_and_drops_punctuation():
    assert slugify("服务 团队：协作！") == "服务-团队协作"
    assert slugify("???") == "section"
