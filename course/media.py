"""What an uploaded or packaged file is, judged by its content, never by its name.

``sniff(data)`` asks libmagic (the database behind ``file(1)``, through python-magic) and
recognises SVG by its root element. Each entry point accepts an allow-list of media types:
``PACKAGE_TYPES`` for a course's ``assets/``, ``IMAGE_TYPES`` for the editor's image upload and
the organisation's branding. SVG is the one format here that can carry script: uploads are
sanitised with svg-hush (``sanitise_svg``) and then checked again (``svg_problems``): no script,
no event handler, no ``foreignObject``, no reference outside the file except embedded raster
images. Packages imported as they are must already pass ``svg_problems``.

Whatever is stored, it is served by ``course.web.send_untrusted`` with a sandboxing policy.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import magic
import py_svg_hush

SVG = "image/svg+xml"
RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
IMAGE_TYPES = RASTER_TYPES | {SVG}
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4"})
VIDEO_TYPES = frozenset({"video/mp4", "video/webm"})
#: What a course package may carry in assets/: images, sound, video, and PDF handouts (served
#: as downloads).
PACKAGE_TYPES = IMAGE_TYPES | AUDIO_TYPES | VIDEO_TYPES | {"application/pdf"}

#: libmagic's other names for the same formats.
_ALIASES = {
    "audio/x-wav": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "application/ogg": "audio/ogg",
    "video/ogg": "audio/ogg",
    "audio/x-mpeg": "audio/mpeg",
    "image/x-ms-bmp": "image/bmp",
}
#: File name endings that fit each media type (the name must not claim another format).
EXTENSIONS = {
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    SVG: ("svg",),
    "audio/mpeg": ("mp3",),
    "audio/ogg": ("ogg", "oga", "ogv", "opus"),
    "audio/wav": ("wav",),
    "audio/mp4": ("m4a", "mp4"),
    "video/mp4": ("mp4", "m4v"),
    "video/webm": ("webm",),
    "application/pdf": ("pdf",),
}
_SNIFF_BYTES = 64 * 1024
_XML_TYPES = {"text/xml", "application/xml", "text/plain", "text/html", SVG}
#: Raster images an SVG may embed as ``data:`` URLs.
_EMBEDDED = {"image": ["png", "jpeg", "gif", "webp"]}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(?![\"']?#)", re.IGNORECASE)
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler"}


class MediaError(ValueError):
    """A file refused: a media type outside the allow-list, or an SVG that is not safe."""


def sniff(data: bytes) -> str:
    """The media type of ``data`` by its content (``application/octet-stream`` when unknown)."""
    if not data:
        return "application/x-empty"
    found = magic.from_buffer(data[:_SNIFF_BYTES], mime=True)
    found = _ALIASES.get(found, found)
    if found in _XML_TYPES and _svg_root(data) is not None:
        return SVG
    return found


def is_inline(media_type: str) -> bool:
    """Images, sound and video are shown in the page; anything else is a download."""
    return media_type.split("/")[0] in ("image", "audio", "video")


def accept(name: str, data: bytes, allowed: frozenset[str]) -> tuple[str, bytes]:
    """``(media type, bytes to store)`` for an upload, or :class:`MediaError`.

    The type comes from the content and must be in ``allowed``; the file name's ending must fit
    it; an SVG is sanitised and must then pass :func:`svg_problems`.
    """
    media_type = check(name, data, allowed)
    if media_type == SVG:
        data = sanitise_svg(data)
    return media_type, data


def check(name: str, data: bytes, allowed: frozenset[str]) -> str:
    """The media type of ``data`` when ``allowed`` holds it and ``name`` fits it."""
    media_type = sniff(data)
    if media_type not in allowed:
        raise MediaError(f"files of type {media_type} are not accepted here")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS.get(media_type, ()):
        raise MediaError(
            f"the content is {media_type}; the name should end in .{EXTENSIONS[media_type][0]}"
        )
    return media_type


def sanitise_svg(data: bytes) -> bytes:
    """The SVG with scripts, event handlers, ``foreignObject`` and outside references removed
    by svg-hush; refused when it cannot be read or is still unsafe afterwards."""
    _refuse_doctype(data)
    try:
        cleaned = py_svg_hush.filter_svg(data, keep_data_url_mime_types=_EMBEDDED)
    except Exception as error:  # the binding raises plain exceptions for unreadable input
        raise MediaError(f"the SVG file cannot be read ({error})") from None
    problems = svg_problems(cleaned)
    if problems:
        raise MediaError(problems[0])
    return cleaned


def svg_problems(data: bytes) -> list[str]:
    """What makes an SVG unsafe to keep: script, event handlers, embedded documents, or
    references to anything outside the file (only ``#fragment`` and raster ``data:`` images
    are allowed). Empty when the SVG is safe."""
    try:
        _refuse_doctype(data)
    except MediaError as error:
        return [str(error)]
    root = _svg_root(data)
    if root is None:
        return ["the file is not a well-formed SVG image"]
    problems: list[str] = []
    for element in root.iter():
        tag = _local(element.tag).lower()
        if tag in _FORBIDDEN_ELEMENTS:
            problems.append(f"SVG images may not contain <{tag}>")
        if tag == "style" and _outside_css(element.text or ""):
            problems.append("SVG styles may not load other files")
        for attribute, value in element.attrib.items():
            local = _local(attribute).lower()
            if local.startswith("on"):
                problems.append("SVG images may not contain event handlers")
            elif local == "href" and not (value.startswith("#") or _DATA_IMAGE.match(value)):
                problems.append("SVG images may not refer to other files or pages")
            elif local == "style" and _outside_css(value):
                problems.append("SVG styles may not load other files")
    return list(dict.fromkeys(problems))


def _outside_css(text: str) -> bool:
    return "@import" in text.lower() or bool(_CSS_URL.search(text))


def _refuse_doctype(data: bytes) -> None:
    if b"<!ENTITY" in data.upper():
        raise MediaError("SVG files that declare entities are not accepted")


def _svg_root(data: bytes) -> ET.Element | None:
    if b"<!ENTITY" in data.upper():
        return None  # entity expansion is never parsed (billion laughs)
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    return root if _local(root.tag) == "svg" else None


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]
