"""The default template rendered for real and read back: text, fonts, attachment, QR, metadata."""

import io
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from course.certificates import render
from course.certificates.render import CertificateContent

TEMPLATES = Path(__file__).parents[2] / "certificates"
VERIFY_URL = "http://localhost/verify/Zk3mQ9xV7pLs2TcW8yBnQa"


def content(**overrides):
    values = dict(
        recipient_name="王小明",
        course_title={"zh-CN": "服务团队协作", "en": "Service Team Collaboration"},
        issuer_name={"zh-CN": "示例市政务服务中心", "en": "Example City Service Centre"},
        hours=6,
        completed_on=date(2026, 11, 23),
        valid_until=date(2028, 11, 23),
        final_score=0.92,
        serial="STC-2026-000001",
        code="Zk3mQ9xV7pLs2TcW8yBnQa",
        verify_url=VERIFY_URL,
        signatory_name="李华",
        signatory_title="培训负责人",
    )
    values.update(overrides)
    return CertificateContent(**values)


@pytest.fixture(scope="module")
def renderer():
    return render.Renderer(render.load_template(TEMPLATES / "default"))


@pytest.fixture(scope="module")
def rendered(renderer, tmp_path_factory):
    attachment = b'{"type": "EnvelopedVerifiableCredential"}\n'
    pdf = renderer.render(
        content(),
        metadata={
            "title": "结业证书 服务团队协作",
            "author": "示例市政务服务中心",
            "subject": "STC-2026-000001",
        },
        attachments=[("credential.json", attachment, "Signed Open Badges credential")],
    )
    path = tmp_path_factory.mktemp("pdf") / "certificate.pdf"
    path.write_bytes(pdf)
    return path, attachment


def test_attachment_and_metadata_read_back(rendered):
    path, attachment = rendered
    reader = PdfReader(path)
    assert reader.attachments["credential.json"] == [attachment]
    assert reader.metadata.title == "结业证书 服务团队协作"
    assert reader.metadata.author == "示例市政务服务中心"
    assert reader.metadata.subject == "STC-2026-000001"
    xmp = reader.xmp_metadata.stream.get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert "/AF" in reader.trailer["/Root"] and "/OutputIntents" in reader.trailer["/Root"]


def test_name_and_title_are_extracted_as_text(rendered):
    text = subprocess.run(["pdftotext", rendered[0], "-"], capture_output=True, text=True).stdout
    assert "王小明" in text
    assert "服务团队协作" in text and "Service Team Collaboration" in text
    assert "STC-2026-000001" in text


def test_a_cjk_font_is_embedded(rendered):
    fonts = subprocess.run(["pdffonts", rendered[0]], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)


def test_qr_code_decodes_to_the_verification_url(rendered, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "100", rendered[0], tmp_path / "page"], check=True)
    (image,) = tmp_path.glob("page*.png")
    decoded = subprocess.run(["zbarimg", "-q", "--raw", image], capture_output=True, text=True)
    assert decoded.stdout.strip() == VERIFY_URL


def test_name_is_escaped_not_interpreted(renderer):
    html = renderer.html(content(recipient_name='<img src="http://evil.test/x">Bob'))
    assert "&lt;img" in html and '<img src="http://evil.test' not in html


def test_glyphs_no_font_covers_fail_with_a_clear_message(renderer):
    with pytest.raises(render.MissingGlyphsError) as caught:
        renderer.render(content(recipient_name="王\U00020000明"))
    assert "U+20000" in str(caught.value) and "name" in str(caught.value)


def test_fetcher_refuses_network_and_files_outside_the_template(renderer, tmp_path):
    fetcher = render.TemplateURLFetcher(TEMPLATES / "default")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in (
        "http://127.0.0.1/x.png",
        "https://example.com/a.css",
        outside.as_uri(),
        (TEMPLATES / "default" / ".." / ".." / "pyproject.toml").as_uri(),
        "ftp://x/y",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    response = fetcher.fetch((TEMPLATES / "default" / "assets" / "corner.svg").as_uri())
    assert b"<svg" in response.read()
    response.close()


def test_remote_image_in_rendered_html_is_never_fetched(tmp_path):
    folder = tmp_path / "t"
    (folder).mkdir()
    (folder / "metadata.yaml").write_text("fonts: [Noto Sans CJK SC]\n")
    (folder / "theme.css").write_text("body { font-family: 'Noto Sans CJK SC' }")
    (folder / "template.html").write_text(
        '<p>{{ c.recipient_name }}</p><img src="http://127.0.0.1:9/x.png">'
        '<img src="file:///etc/hostname">'
    )
    renderer = render.Renderer(render.load_template(folder))
    pdf = renderer.render(content())
    assert PdfReader(io.BytesIO(pdf)).pages
    assert renderer.fetcher.refused == ["http://127.0.0.1:9/x.png", "file:///etc/hostname"]


def test_template_folder_without_metadata_is_refused(tmp_path):
    with pytest.raises(render.TemplateError):
        render.load_template(tmp_path)


def test_uploaded_images_must_be_png_jpeg_or_svg():
    assert render.image_data_uri(b"\x89PNG\r\n\x1a\n....").startswith("data:image/png;base64,")
    svg = render.image_data_uri(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert svg.startswith("data:image/svg+xml;base64,")
    assert render.image_data_uri(b"GIF89a....") is None
