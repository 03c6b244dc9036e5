"""Uploads: the type read from the content, every bad file refused with the limit named and nothing left
behind, metadata gone from what is stored, the same bytes stored once."""

from __future__ import annotations

import asyncio
import io

import pypdfium2 as pdfium
import pytest
from PIL import Image
from starlette.requests import Request

from api.core import edge
from api.media import limits, upload
from api.media.storage import blob_key, get_media_settings, thumbnail_key
from tests.media import files
from tests.media.conftest import media_rows, stored_files


def _refused(answer, status: int, *words: str) -> str:
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    text = detail if isinstance(detail, str) else " ".join(f"{e['loc']} {e['msg']}" for e in detail)
    for word in words:
        assert word in text, (word, text)
    return text


def _nothing_kept(db, media_dir) -> None:
    assert media_rows(db) == (0, 0)
    assert stored_files(media_dir) == []


# ---- accepted --------------------------------------------------------------------------------------------


def test_an_image_is_stored_without_exif_gps_comments_or_text_chunks(client, db, member, media_dir):
    for data, name, mime in (
        (files.jpeg(), "holiday.jpg", "image/jpeg"),
        (files.png(), "map.png", "image/png"),
        (files.webp(), "shot.webp", "image/webp"),
        (files.webp(lossless=True), "lossless.webp", "image/webp"),
    ):
        answer = member.upload(
            client, data, name, "application/octet-stream", alt_text="Red and blue blocks."
        )
        assert answer.status_code == 201, answer.text
        asset = answer.json()
        assert asset["mime_type"] == mime and asset["kind"] == "image"
        assert (asset["width"], asset["height"], asset["frames"]) == (64, 48, 1)
        stored = client.get(asset["file_url"], headers=member.headers)
        assert stored.status_code == 200 and stored.headers["content-type"] == mime
        assert stored.headers["x-content-type-options"] == "nosniff"
        assert (
            stored.headers["content-disposition"].startswith("inline;")
            and name in stored.headers["content-disposition"]
        )
        body = stored.content
        for secret in (b"SpyCam", b"Pocket 3000", b"Jane Secret", b"secret comment", b"48.8575", b"xmpmeta"):
            assert secret not in body, (name, secret)
        with Image.open(io.BytesIO(body)) as image:
            assert len(image.getexif()) == 0, name
            assert image.getexif().get_ifd(0x8825) == {}  # no GPS
            assert not {"exif", "xmp", "comment", "Location", "Author"} & set(image.info), (name, image.info)
            assert image.size == (64, 48)
        assert asset["sha256"] == __import__("hashlib").sha256(body).hexdigest()
        assert len(body) == asset["byte_size"]


def test_the_orientation_is_applied_before_the_exif_goes(client, member):
    # EXIF orientation 6: the camera held sideways, shown rotated 90 degrees clockwise.
    asset = member.image(client, files.jpeg(orientation=6), alt_text="Sideways")
    assert (asset["width"], asset["height"]) == (48, 64)
    body = client.get(asset["file_url"], headers=member.headers).content
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (48, 64) and image.getexif().get(0x0112) is None
        top, bottom = image.convert("RGB").getpixel((24, 8)), image.convert("RGB").getpixel((24, 56))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # red above blue, as the camera saw it


def test_an_animated_gif_keeps_its_frames_and_timing_and_loses_its_comment_and_xmp(client, member):
    answer = member.upload(client, files.animated_gif(), "loop.gif", "image/gif", alt_text="Three colours")
    assert answer.status_code == 201, answer.text
    asset = answer.json()
    assert (asset["mime_type"], asset["frames"], asset["width"], asset["height"]) == ("image/gif", 3, 40, 30)
    body = client.get(asset["file_url"], headers=member.headers).content
    assert b"Jane Secret" not in body and b"XMP DataXMP" not in body and b"48.8575" not in body
    with Image.open(io.BytesIO(body)) as image:
        assert image.n_frames == 3 and image.info.get("loop") == 0 and "comment" not in image.info
        durations = []
        for index in range(3):
            image.seek(index)
            durations.append(image.info["duration"])
    assert durations == [100, 200, 300]


def test_the_type_comes_from_the_content_not_the_name_or_the_declared_type(client, db, member, media_dir):
    # A PNG sent as "photo.jpg", image/jpeg: stored as the PNG it is.
    answer = member.upload(client, files.png(), "photo.jpg", "image/jpeg", alt_text="Blocks")
    assert answer.status_code == 201 and answer.json()["mime_type"] == "image/png"
    # A PDF sent as an image: a document.
    document = member.upload(client, files.pdf(2), "cat.png", "image/png")
    assert document.status_code == 201 and document.json()["kind"] == "document"
    assert document.json()["pages"] == 2 and document.json()["title"] == "cat"


def test_a_thumbnail_and_a_pdfs_first_page(client, member):
    image = member.image(client, files.png(size=(800, 400)))
    thumbnail = client.get(image["thumbnail_url"], headers=member.headers)
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert small.format == "WEBP" and small.size == (320, 160)
    document = member.upload(client, files.pdf(3, size=(400, 800)), "report.pdf", title="Quarterly report")
    assert document.status_code == 201, document.text
    assert document.json()["title"] == "Quarterly report" and document.json()["pages"] == 3
    thumbnail = client.get(document.json()["thumbnail_url"], headers=member.headers)
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert small.size == (160, 320)
    pdf_file = client.get(document.json()["file_url"], headers=member.headers)
    assert pdf_file.headers["content-type"] == "application/pdf"
    assert pdf_file.headers["content-disposition"].startswith("attachment;")
    assert len(pdfium.PdfDocument(pdf_file.content)) == 3


# ---- the same bytes once -----------------------------------------------------------------------------------


def test_the_same_file_is_stored_once_and_freed_with_its_last_asset(client, db, member_factory, media_dir):
    first, second = member_factory(), member_factory()
    data = files.png(seed=5)
    one = first.upload(client, data, "a.png", alt_text="Blocks")
    again = first.upload(client, data, "b.png", alt_text="Other words")
    assert (one.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == one.json()["id"] and again.json()["alt_text"] == "Blocks"
    other = second.upload(client, data, "c.png", alt_text="Theirs")
    assert other.status_code == 201 and other.json()["id"] != one.json()["id"]
    sha = one.json()["sha256"]
    assert other.json()["sha256"] == sha
    assert stored_files(media_dir) == sorted([blob_key(sha), thumbnail_key(sha)])
    assert media_rows(db) == (2, 1)

    assert client.delete(f"/api/media/{one.json()['id']}", headers=first.headers).status_code == 204
    assert stored_files(media_dir) == sorted([blob_key(sha), thumbnail_key(sha)])  # the other still shows it
    assert client.get(other.json()["file_url"], headers=second.headers).content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.delete(f"/api/media/{other.json()['id']}", headers=second.headers).status_code == 204
    assert stored_files(media_dir) == [] and media_rows(db) == (0, 0)


# ---- refused, with nothing left behind ---------------------------------------------------------------------


def test_a_file_past_the_limit_is_a_413_naming_it(client, db, member, media_dir, monkeypatch):
    monkeypatch.setattr(get_media_settings(), "image_max_bytes", 50_000)
    answer = member.upload(client, files.noise_png((200, 200)), "big.png", alt_text="Noise")
    _refused(answer, 413, "50,000 bytes", "PNG")
    _nothing_kept(db, media_dir)
    monkeypatch.setattr(get_media_settings(), "document_max_bytes", 2_000)
    answer = member.upload(client, files.pdf(40, text="x" * 50), "long.pdf")
    _refused(answer, 413, "2,000 bytes", "PDF", "LinkedIn")
    _nothing_kept(db, media_dir)


@pytest.mark.skipif(
    "/api/media" not in edge.UPLOAD_PATHS,
    reason="the edge (api/core/edge.py) still holds /api/media to the JSON body limit: it must list it as an "
    "upload path with MEDIA_DOCUMENT_MAX_BYTES plus the multipart envelope",
)
def test_photos_of_several_megabytes_pass_the_edge_and_say_where_they_fit(client, member):
    small = member.upload(client, files.noise_png((1000, 1000)), "3mb.png", alt_text="Noise")
    assert small.status_code == 201, small.text
    assert small.json()["byte_size"] > 2_000_000 and small.json()["problems"]["twitter"] == []
    large = member.upload(client, files.noise_png((1500, 1400)), "6mb.png", alt_text="Noise")
    assert large.status_code == 201, large.text
    assert large.json()["problems"]["twitter"] == [
        f"the PNG is {large.json()['byte_size'] / 1e6:.1f} MB; X takes images up to 5 MB"
    ]
    assert large.json()["problems"]["linkedin"] == []


def test_reading_stops_at_the_limit(media_dir, tmp_path):
    """The reader asks for no more of the body once the file passes its limit."""
    boundary = b"xyz"
    head = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG\r\n\x1a\n'
    chunks = [head] + [b"\0" * 65536] * 100 + [b"\r\n--xyz--\r\n"]
    sent = 0

    async def receive():
        nonlocal sent
        sent += 1
        return {"type": "http.request", "body": chunks[sent - 1], "more_body": sent < len(chunks)}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/media",
        "headers": [(b"content-type", b"multipart/form-data; boundary=" + boundary)],
    }
    request = Request(scope, receive)
    with pytest.raises(upload.PayloadTooLarge) as refused:
        asyncio.run(upload.receive(request, tmp_path / "staging", lambda mime: (200_000, "a test limit")))
    assert "200,000 bytes" in str(refused.value.detail)
    assert sent == 5  # 4 x 64 KiB passed 200,000 bytes: the other 96 chunks were never read
    assert list((tmp_path / "staging").iterdir()) == []


def test_an_empty_file_a_cut_off_body_and_no_file_are_422s(client, db, member, media_dir):
    _refused(member.upload(client, b"", "empty.png", alt_text="x"), 422, "empty (0 bytes)")
    _nothing_kept(db, media_dir)
    body = (
        b'--cut\r\nContent-Disposition: form-data; name="alt_text"\r\n\r\nBlocks\r\n'
        b'--cut\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + files.png()
    )  # no closing boundary: the client stopped sending
    answer = client.post(
        "/api/media",
        headers={**member.headers, "Content-Type": "multipart/form-data; boundary=cut"},
        content=body,
    )
    _refused(answer, 422, "cut off")
    _nothing_kept(db, media_dir)
    answer = client.post("/api/media", headers=member.headers, data={"alt_text": "no file"}, files={})
    assert answer.status_code in (415, 422)
    answer = client.post("/api/media", headers=member.headers, json={"file": "not multipart"})
    _refused(answer, 415, "multipart/form-data")
    _nothing_kept(db, media_dir)


def test_unsupported_and_lying_files(client, db, member, media_dir):
    html = b"<html><script>alert(1)</script></html>"
    _refused(
        member.upload(client, html, "photo.png", "image/png", alt_text="x"), 415, "JPEG, PNG, GIF or WebP"
    )
    bmp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(bmp, "BMP")
    _refused(member.upload(client, bmp.getvalue(), "a.bmp", alt_text="x"), 415, "PDF documents")
    # Starts like a JPEG, is not one.
    _refused(
        member.upload(client, b"\xff\xd8\xff\xe0" + b"garbage" * 100, "a.jpg", alt_text="x"), 422, "JPEG"
    )
    _refused(member.upload(client, b"%PDF-1.7\n" + b"junk" * 100 + b"%%EOF", "a.pdf"), 422, "PDF")
    _nothing_kept(db, media_dir)


def test_truncated_files_are_refused(client, db, member, media_dir):
    png, jpeg, gif, pdf = files.png((200, 100)), files.jpeg((200, 100)), files.animated_gif(), files.pdf(3)
    _refused(member.upload(client, png[: len(png) // 2], "a.png", alt_text="x"), 422, "PNG")
    _refused(member.upload(client, jpeg[: len(jpeg) // 2], "a.jpg", alt_text="x"), 422, "JPEG")
    _refused(member.upload(client, gif[: len(gif) - 30], "a.gif", alt_text="x"), 422, "GIF is truncated")
    _refused(member.upload(client, pdf[: len(pdf) // 2], "a.pdf"), 422, "PDF is truncated")
    _nothing_kept(db, media_dir)


def test_a_decompression_bomb_is_refused_naming_the_pixel_limit(client, db, member, media_dir):
    bomb = files.bomb_png(20_000)
    assert len(bomb) < 1_000_000
    _refused(member.upload(client, bomb, "bomb.png", alt_text="x"), 422, "400,000,000 pixels", "36,152,320")
    _refused(member.upload(client, files.bomb_png(7_000), "big.png", alt_text="x"), 422, "36,152,320")
    _nothing_kept(db, media_dir)


def test_a_pdf_past_300_pages_or_encrypted_is_refused(client, db, member, media_dir):
    _refused(member.upload(client, files.pdf(1000), "long.pdf"), 422, "1000 pages", "300")
    _refused(member.upload(client, files.pdf(2, encrypt="hunter2"), "locked.pdf"), 422, "encrypted")
    _nothing_kept(db, media_dir)


def test_alt_text_is_required_for_images_and_at_most_1000_characters(client, db, member, media_dir):
    answer = member.upload(client, files.png(), "a.png")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "alt_text"]
    _refused(member.upload(client, files.png(), "a.png", alt_text="   "), 422, "Required for images")
    _refused(member.upload(client, files.png(), "a.png", alt_text="x" * 1001), 422, "1000", "1001")
    _refused(member.upload(client, files.pdf(1), "a.pdf", title="two\nlines"), 422, "title", "One line")
    _nothing_kept(db, media_dir)
    ok = member.upload(client, files.png(), "a.png", alt_text="é" * 1000)
    assert ok.status_code == 201 and len(ok.json()["alt_text"]) == 1000


def test_the_openapi_document_declares_every_status(client):
    operation = client.get("/openapi.json").json()["paths"]["/api/media"]["post"]
    assert {"200", "201", "401", "403", "413", "415", "422"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert (
        body["required"] == ["file"]
        and body["properties"]["alt_text"]["maxLength"] == limits.ALT_TEXT_MAX_CHARS
    )
