"""The carousel builder: square pages with the slides' text, the workspace's colours, text that never leaves
the page, and page previews of any PDF."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image
from sqlalchemy import update

from api.media import carousel
from api.workspaces.models import Workspace
from tests.media import files
from tests.media.conftest import media_rows

SLIDES = [
    {"title": "Why we rewrote the importer", "body": "Three lessons from moving 100,000 rows a minute."},
    {"title": "1. Measure first", "body": "The slow part was never where we guessed.\nProfile, then change."},
    {"title": "2. Batch the writes", "body": "COPY beats INSERT by an order of magnitude."},
]


def _pdf(client, member, asset) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(client.get(asset["file_url"], headers=member.headers).content)


def _texts(document: pdfium.PdfDocument) -> list[str]:
    texts = []
    for page in document:
        textpage = page.get_textpage()
        texts.append(" ".join(textpage.get_text_range().split()))
    return texts


def test_a_carousel_is_a_square_pdf_with_one_page_per_slide_and_its_text(client, member):
    answer = client.post(
        "/api/media/carousels", headers=member.headers, json={"title": "Importer lessons", "slides": SLIDES}
    )
    assert answer.status_code == 201, answer.text
    asset = answer.json()
    assert (asset["kind"], asset["source"], asset["mime_type"]) == ("document", "carousel", "application/pdf")
    assert (asset["pages"], asset["width"], asset["height"], asset["title"]) == (
        3,
        1080,
        1080,
        "Importer lessons",
    )
    document = _pdf(client, member, asset)
    assert len(document) == 3
    assert all(page.get_size() == (1080.0, 1080.0) for page in document)
    texts = _texts(document)
    for number, (slide, text) in enumerate(zip(SLIDES, texts, strict=True), start=1):
        assert slide["title"] in text and " ".join(slide["body"].split()) in text and f"{number} / 3" in text
    assert asset["problems"]["linkedin"] == []
    again = client.post(
        "/api/media/carousels", headers=member.headers, json={"title": "Importer lessons", "slides": SLIDES}
    )
    assert again.status_code == 200 and again.json()["id"] == asset["id"]  # the same bytes: stored once


def test_colours_come_from_the_workspace_unless_given(client, db, member):
    db.execute(
        update(Workspace)
        .where(Workspace.id == member.workspace_id)
        .values(brand_colors={"background": "#102030", "text": "#f0f0f0", "accent": "#ff8800"})
    )
    db.commit()
    branded = client.post(
        "/api/media/carousels", headers=member.headers, json={"title": "B", "slides": SLIDES[:2]}
    )
    assert branded.status_code == 201, branded.text
    preview = client.get(f"/api/media/{branded.json()['id']}/pages/1", headers=member.headers)
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(preview.content)) as page:
        assert page.size == (1080, 1080)
        assert page.convert("RGB").getpixel((5, 5)) == (0x10, 0x20, 0x30)
        assert page.convert("RGB").getpixel((96 + 60, 96 - 7)) == (0xFF, 0x88, 0x00)  # the accent bar
    given = client.post(
        "/api/media/carousels",
        headers=member.headers,
        json={"title": "B", "slides": SLIDES[:2], "colors": {"background": "#FFFFFF", "text": "#000000"}},
    )
    preview = client.get(f"/api/media/{given.json()['id']}/pages/2", headers=member.headers)
    with Image.open(io.BytesIO(preview.content)) as page:
        assert page.convert("RGB").getpixel((5, 5)) == (255, 255, 255)
        assert page.convert("RGB").getpixel((96 + 60, 96 - 7)) == (0xFF, 0x88, 0x00)


def test_long_text_shrinks_and_stays_on_the_page(client, member):
    body = " ".join(["Compounding small improvements beats rare heroic rewrites."] * 9)
    slides = [
        {"title": "A title long enough to need three lines on a square page of a carousel", "body": body},
        {"title": "Supercalifragilisticexpialidocious" * 3, "body": "short"},
    ]
    answer = client.post(
        "/api/media/carousels", headers=member.headers, json={"title": "Long", "slides": slides}
    )
    assert answer.status_code == 201, answer.text
    document = _pdf(client, member, answer.json())
    for page in document:
        textpage = page.get_textpage()
        for index in range(textpage.count_chars()):
            left, bottom, right, top = textpage.get_charbox(index)
            if right > left:  # a drawn character, not a space
                assert left >= 90 and right <= 1080 - 90 and bottom >= 90 and top <= 1080 - 90, (left, right)
    text = _texts(document)[0]
    assert "Compounding small improvements" in text and text.count("heroic") == 9


def test_a_slide_that_cannot_fit_or_draw_is_a_422_naming_it(client, db, member, media_dir):
    # 700 characters of prose always fit; 40 lines do not, even at the smallest size.
    too_long = {"title": "Far too much", "body": "\n".join(f"Point {n}" for n in range(40))}
    answer = client.post(
        "/api/media/carousels",
        headers=member.headers,
        json={"title": "T", "slides": [SLIDES[0], SLIDES[1], too_long]},
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["detail"][0]
    assert (
        error["loc"] == ["body", "slides", 2, "body"] and "slide 3" in error["msg"] and "pt" in error["msg"]
    )
    emoji = client.post(
        "/api/media/carousels",
        headers=member.headers,
        json={"title": "T", "slides": [SLIDES[0], {"title": "Launch day 🚀", "body": ""}]},
    )
    assert emoji.status_code == 422 and emoji.json()["detail"][0]["loc"] == ["body", "slides", 1, "title"]
    assert "🚀" in emoji.json()["detail"][0]["msg"]
    grey = client.post(
        "/api/media/carousels",
        headers=member.headers,
        json={"title": "T", "slides": SLIDES[:2], "colors": {"background": "#777777", "text": "#888888"}},
    )
    assert grey.status_code == 422 and "contrast" in grey.json()["detail"][0]["msg"]
    for slides in ([SLIDES[0]], [SLIDES[0]] * 21, [{"title": "", "body": "x"}, SLIDES[0]]):
        answer = client.post(
            "/api/media/carousels", headers=member.headers, json={"title": "T", "slides": slides}
        )
        assert answer.status_code == 422
    assert media_rows(db) == (0, 0)
    assert [path for path in media_dir.rglob("*") if path.is_file()] == []


def test_wrapping_breaks_a_word_wider_than_the_page():
    lines = carousel.wrap("a " + "W" * 80 + " b", carousel.fonts().regular, 44)
    assert lines[0] == "a" and lines[-1].endswith("b") and len(lines) >= 3
    assert all(
        carousel.pdfmetrics.stringWidth(line, carousel.fonts().regular, 44) <= carousel.WIDTH
        for line in lines
    )


def test_any_pdf_has_page_previews_and_an_image_has_none(client, member):
    document = member.upload(client, files.pdf(3, size=(600, 300)), "wide.pdf").json()
    for number in (1, 3):
        preview = client.get(f"/api/media/{document['id']}/pages/{number}", headers=member.headers)
        assert preview.status_code == 200
        with Image.open(io.BytesIO(preview.content)) as page:
            assert page.size == (1080, 540)
    assert client.get(f"/api/media/{document['id']}/pages/4", headers=member.headers).status_code == 404
    assert client.get(f"/api/media/{document['id']}/pages/0", headers=member.headers).status_code == 422
    image = member.image(client)
    assert client.get(f"/api/media/{image['id']}/pages/1", headers=member.headers).status_code == 404
