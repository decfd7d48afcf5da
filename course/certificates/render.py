"""Render a certificate template folder to a PDF/A-3b with WeasyPrint.

The template sees only plain values (a :class:`CertificateContent`), through a sandboxed,
autoescaping Jinja environment. Every resource the HTML or CSS asks for goes through
:class:`TemplateURLFetcher`, which serves ``data:`` URLs and files inside the template folder and
refuses everything else (other files, every network address). Errors are raised as
:class:`CertificateRenderError` subclasses; callers decide how to report them.
"""

from __future__ import annotations

import base64
import functools
import gc
import io
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import qrcode
import qrcode.image.svg
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from course.certificates.fonts import MissingGlyph, missing_glyphs

PAGE_SIZES = {"A4", "A5", "letter", "legal"}
ORIENTATIONS = {"landscape", "portrait"}


class CertificateRenderError(Exception):
    """A certificate could not be rendered."""


class TemplateError(CertificateRenderError):
    """A template folder is missing a file or its metadata is wrong."""


class MissingGlyphsError(CertificateRenderError):
    """Some characters would be drawn as empty boxes: no installed font covers them."""

    def __init__(self, field_name: str, missing: list[MissingGlyph]) -> None:
        chars = ", ".join(str(m) for m in missing)
        super().__init__(
            f"No installed font can draw these characters of the {field_name}: {chars}"
        )
        self.field_name = field_name
        self.missing = missing


@dataclass(frozen=True)
class CertificateTemplate:
    """A template folder: ``template.html``, ``theme.css``, ``metadata.yaml`` and assets."""

    name: str
    folder: Path
    title: dict
    page_size: str
    orientation: str
    fonts: tuple[str, ...]
    sample: dict


@dataclass(frozen=True)
class CertificateContent:
    """The plain values printed on one certificate."""

    recipient_name: str
    course_title: dict[str, str]
    issuer_name: dict[str, str]
    hours: float
    completed_on: date
    valid_until: date | None
    final_score: float | None
    serial: str
    code: str
    verify_url: str
    signatory_name: str = ""
    signatory_title: str = ""
    logo: str | None = None
    seal: str | None = None
    signature: str | None = None
    issued_at: datetime | None = None
    extra: dict = field(default_factory=dict)


def load_template(folder: Path) -> CertificateTemplate:
    """Read and check a template folder's metadata."""
    folder = Path(folder)
    for required in ("template.html", "theme.css", "metadata.yaml"):
        if not (folder / required).is_file():
            raise TemplateError(f"{folder.name}: {required} is missing")
    meta = yaml.safe_load((folder / "metadata.yaml").read_text(encoding="utf-8")) or {}
    page = meta.get("page") or {}
    size, orientation = page.get("size", "A4"), page.get("orientation", "landscape")
    if size not in PAGE_SIZES or orientation not in ORIENTATIONS:
        raise TemplateError(f"{folder.name}/metadata.yaml: unknown page {size} {orientation}")
    fonts = tuple(meta.get("fonts") or ())
    if not fonts:
        raise TemplateError(f"{folder.name}/metadata.yaml: list at least one font family")
    return CertificateTemplate(
        name=folder.name,
        folder=folder.resolve(),
        title=meta.get("title") or {"en": folder.name},
        page_size=size,
        orientation=orientation,
        fonts=fonts,
        sample=meta.get("sample") or {},
    )


class TemplateURLFetcher(URLFetcher):
    """Serves ``data:`` URLs and files under one folder; refuses every other URL."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.root = Path(root).resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        """Fetch ``url`` if it is allowed, else record it and raise ValueError."""
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            target = Path(unquote(parts.path)).resolve()
            if target.is_relative_to(self.root) and target.is_file():
                return super().fetch(target.as_uri(), headers)
        self.refused.append(url)
        raise ValueError(f"refused to fetch {url!r}: only the template folder is readable")


def qr_data_uri(text: str) -> str:
    """A QR code for ``text`` as an SVG ``data:`` URI (vector, so it stays sharp in print)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_data_uri(data: bytes) -> str | None:
    """A PNG, JPEG or SVG upload as a ``data:`` URI; None for anything else.

    An SVG's own references (images, fonts) still go through the renderer's URL fetcher, so a
    hostile SVG cannot reach the network or the file system.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif b"<svg" in data[:1024]:
        kind = "svg+xml"
    else:
        return None
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def _zh_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _en_date(value: date | None) -> str:
    return f"{value.day} {value:%B} {value.year}" if value else ""


def _percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


def _hours(value: float) -> str:
    return f"{value:g}"


class Renderer:
    """Renders one template; reuse an instance (it keeps the parsed theme and font setup)."""

    def __init__(self, template: CertificateTemplate) -> None:
        self.template = template
        env = ImmutableSandboxedEnvironment(
            loader=jinja2.FileSystemLoader(template.folder),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        env.filters.update(zh_date=_zh_date, en_date=_en_date, percent=_percent, hours=_hours)
        self._html = env.get_template("template.html")
        self.font_config = FontConfiguration()
        self.fetcher = TemplateURLFetcher(template.folder)
        page = f"@page {{ size: {template.page_size} {template.orientation}; margin: 0 }}"
        self.stylesheets = [
            CSS(string=page, font_config=self.font_config),
            CSS(
                filename=str(template.folder / "theme.css"),
                url_fetcher=self.fetcher,
                font_config=self.font_config,
            ),
        ]

    def check_fonts(self, content: CertificateContent) -> None:
        """Raise :class:`MissingGlyphsError` if a name or title would show empty boxes."""
        check_glyphs(self.template.fonts, content.recipient_name, content.course_title)

    def html(self, content: CertificateContent, metadata: dict | None = None) -> str:
        """The certificate's HTML: the template filled with escaped plain values."""
        values = asdict(content)
        values["qr"] = qr_data_uri(content.verify_url)
        try:
            meta = dict.fromkeys(("title", "author", "subject", "keywords", "created"), "")
            return self._html.render(c=values, meta={**meta, **(metadata or {})})
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{self.template.name}/template.html: {exc}") from exc

    def render(
        self,
        content: CertificateContent,
        *,
        metadata: dict | None = None,
        attachments: list[tuple[str, bytes, str]] = (),
        created: datetime | None = None,
        identifier: bytes | None = None,
    ) -> bytes:
        """Render to PDF/A-3b bytes, embedding ``attachments`` as (filename, data, description).

        ``metadata`` supplies ``title``, ``author``, ``subject``, ``keywords`` and ``created``
        (ISO date) for the document information; the template puts them in its ``<head>``.
        With ``created`` (the attachments' dates) and ``identifier`` (the PDF's file id) the
        output is deterministic: the same inputs give the same bytes, on any machine, so a lost
        PDF rendered again is the PDF that was issued.
        """
        self.check_fonts(content)
        document = HTML(
            string=self.html(content, metadata),
            base_url=self.template.folder.as_uri() + "/",
            url_fetcher=self.fetcher,
        )
        files = [
            Attachment(
                string=data,
                name=name,
                description=description,
                relationship="Data",
                url_fetcher=self.fetcher,
                created=created,
                modified=created,
            )
            for name, data, description in attachments
        ]
        try:
            return document.write_pdf(
                stylesheets=self.stylesheets,
                font_config=self.font_config,
                pdf_variant="pdf/a-3b",
                attachments=files,
                uncompressed_pdf=False,
                pdf_identifier=identifier,
            )
        except Exception as exc:  # WeasyPrint raises many kinds; report them as one domain error
            raise CertificateRenderError(f"rendering failed: {exc}") from exc


def check_glyphs(fonts: tuple[str, ...], name: str, course_title: dict[str, str]) -> None:
    """The one glyph-coverage rule: raise :class:`MissingGlyphsError` when no installed font
    (the template's ``fonts`` first) can draw a character of the name or a course title."""
    checks = {"name": name}
    for locale, title in (course_title or {}).items():
        checks[f"course title ({locale})"] = title or ""
    for field_name, text in checks.items():
        missing = missing_glyphs(text, fonts)
        if missing:
            raise MissingGlyphsError(field_name, missing)


@functools.cache
def template_fonts(folder: Path) -> tuple[str, ...]:
    """The font families a template folder names (read once per process)."""
    return load_template(Path(folder)).fonts


_renderers: dict[Path, Renderer] = {}
_renders_since_collect = 0
#: WeasyPrint leaves reference cycles behind; collecting every so often keeps a worker flat.
COLLECT_EVERY = 50


def renderer_for(folder: Path) -> Renderer:
    """A process-wide renderer per template folder (parsed theme and fonts are reused)."""
    folder = Path(folder).resolve()
    if folder not in _renderers:
        _renderers[folder] = Renderer(load_template(folder))
    return _renderers[folder]


#: WeasyPrint is not thread-safe and the renderers are shared: one render at a time per process
#: (parallelism comes from processes: job workers, or ``render_many``'s pool).
_render_lock = threading.Lock()


def render_job(job: RenderJob) -> bytes:
    """Render one certificate in this process; the unit of work of a render job or pool."""
    global _renders_since_collect
    with _render_lock:
        pdf = renderer_for(job.folder).render(
            job.content,
            metadata=job.metadata,
            attachments=list(job.attachments),
            created=job.created,
            identifier=job.identifier,
        )
    _renders_since_collect += 1
    if _renders_since_collect >= COLLECT_EVERY:
        gc.collect()
        _renders_since_collect = 0
    return pdf


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker process needs to render one certificate (picklable)."""

    folder: Path
    content: CertificateContent
    metadata: dict
    attachments: tuple[tuple[str, bytes, str], ...] = ()
    #: Fixed dates and file id make the output deterministic (see ``Renderer.render``).
    created: datetime | None = None
    identifier: bytes | None = None


def render_many(jobs: list[RenderJob], workers: int = 1):
    """Render ``jobs``, yielding ``(index, pdf_bytes | CertificateRenderError)`` as each ends.

    With more than one worker the renders run in a pool of fresh processes (WeasyPrint is not
    thread-safe and holds the GIL); one failure is yielded for its job and the rest carry on.
    """
    if workers <= 1:
        for index, job in enumerate(jobs):
            try:
                yield index, render_job(job)
            except CertificateRenderError as exc:
                yield index, exc
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(render_job, job): index for index, job in enumerate(jobs)}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except CertificateRenderError as exc:
                yield futures[future], exc
            except Exception as exc:  # a crashed worker: report it for this job, go on
                yield futures[future], CertificateRenderError(f"rendering failed: {exc}")
