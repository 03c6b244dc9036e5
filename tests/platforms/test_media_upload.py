"""Media through the platforms' own upload APIs, against the fakes: what arrives (bytes, alt text, title, the
post's media) is exactly what was sent, the fakes refuse what the platforms refuse, and every failure maps to
the error class the publisher acts on (5xx transient, 4xx permanent, 401 a refused token)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from api.core.config import get_settings
from api.platforms import linkedin, x
from api.platforms.base import (
    AuthRejected,
    MediaUpload,
    OAuthClient,
    PermanentError,
    PlatformPlugin,
    PostMedia,
    TransientError,
)
from testkit.fake_platforms import FakePlatforms
from testkit.support import serve_in_thread

PDF = b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n"


def png(size: int = 10_000) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + os.urandom(size - 8)


def gif_bytes(frames: int) -> bytes:
    """A real GIF of `frames` different frames (more than one: animated)."""
    images = [Image.new("RGB", (24, 16), (60 * i % 256, 90, 255 - 60 * i % 256)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakePlatforms, str]]:
    fake = FakePlatforms()
    with serve_in_thread(fake.app) as url:
        yield fake, url


@pytest.fixture
def fake(
    served: tuple[FakePlatforms, str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> FakePlatforms:
    platforms, url = served
    platforms.reset()
    settings = get_settings()
    endpoints = {"x_api_base_url": f"{url}/x", "x_client_id": "x-client",
                 "linkedin_api_base_url": f"{url}/li", "linkedin_client_id": "li-client"}  # fmt: skip
    for name, value in endpoints.items():
        monkeypatch.setattr(settings, name, value)
    return platforms


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def connect(plugin: PlatformPlugin, http: httpx.Client) -> Any:
    client = plugin.connect(get_settings(), http)
    if isinstance(client, linkedin.LinkedInClient):
        client.processing_poll_seconds = 0.0
    return client


def token(fake: FakePlatforms, user: str) -> str:
    return str(fake._issue(user)["access_token"])


# ---- X -----------------------------------------------------------------------------------------------------


def test_an_image_with_alt_text_lands_on_x_in_segments(fake: FakePlatforms, http: httpx.Client) -> None:
    client = connect(x.PLUGIN, http)
    client.segment_bytes = 4096  # three APPENDs for 10,000 bytes
    data, access = png(), token(fake, "101")
    image = MediaUpload("image", "image/png", lambda: data, alt_text="A cat on a keyboard")

    media_id = client.upload_media(access, "101", image)
    post_id = client.create_post(access, "101", "Look at this", None, [image.attached(media_id)])

    [post] = fake.posts
    assert post.id == post_id and post.text == "Look at this" and post.media_ids == [media_id]
    [media] = fake.media_of(post)
    assert media.data == data and media.alt_text == "A cat on a keyboard"
    assert media.mime_type == "image/png" and media.category == "tweet_image" and media.owner == "101"
    assert fake.uploads("twitter", "append") == 3 and sorted(media.segments) == [0, 1, 2]
    assert fake.uploads("twitter", "status") == 0  # a still image needs no processing


def test_four_images_on_one_x_post_and_a_fifth_is_refused(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(x.PLUGIN, http), token(fake, "102")
    images = [MediaUpload("image", "image/jpeg", png(2000 + i), alt_text=f"photo {i}") for i in range(5)]
    attached = [image.attached(client.upload_media(access, "102", image)) for image in images]

    client.create_post(access, "102", "Four at once", None, attached[:4])
    [post] = fake.posts
    assert post.media_ids == [m.id for m in attached[:4]]
    assert [m.data for m in fake.media_of(post)] == [image.read() for image in images[:4]]
    assert [m.alt_text for m in fake.media_of(post)] == [f"photo {i}" for i in range(4)]

    with pytest.raises(PermanentError, match="at most 4"):
        client.create_post(access, "102", "Five", None, attached)
    # The fake refuses a fifth as X does, should a client send it anyway.
    answer = http.post(f"{client.api}/2/tweets", headers={"Authorization": f"Bearer {access}"},
                       json={"text": "Five", "media": {"media_ids": [m.id for m in attached]}})  # fmt: skip
    assert answer.status_code == 400 and len(fake.posts) == 1


def test_an_animated_gif_is_waited_for_until_processed(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(x.PLUGIN, http), token(fake, "103")
    fake.gif_processing_polls = 2
    gif = MediaUpload("image", "image/gif", gif_bytes(frames=3))

    media_id = client.upload_media(access, "103", gif)

    assert fake.media[media_id].category == "tweet_gif" and fake.media[media_id].ready
    assert fake.uploads("twitter", "status") == 3  # in_progress, in_progress, succeeded
    assert fake.media[media_id].alt_text is None and fake.uploads("twitter", "metadata") == 0
    client.create_post(access, "103", "Moving picture", None, [gif.attached(media_id)])
    assert fake.posts[0].media_ids == [media_id]

    # An animated GIF goes alone (the media library refuses to attach it with others; X refuses the post).
    still = MediaUpload("image", "image/png", png())
    together = [gif.attached(media_id), still.attached(client.upload_media(access, "103", still))]
    with pytest.raises(PermanentError, match="cannot be combined"):
        client.create_post(access, "103", "GIF and photo", None, together)


def test_a_still_gif_is_an_image_beside_others(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(x.PLUGIN, http), token(fake, "106")
    images = [
        MediaUpload("image", "image/gif", gif_bytes(frames=1)),
        MediaUpload("image", "image/png", png()),
    ]
    attached = [image.attached(client.upload_media(access, "106", image)) for image in images]

    client.create_post(access, "106", "A still GIF and a photo", None, attached)

    assert [m.category for m in fake.media_of(fake.posts[0])] == ["tweet_image", "tweet_image"]
    assert fake.uploads("twitter", "status") == 0


def test_a_gif_x_cannot_process_is_a_permanent_error(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(x.PLUGIN, http), token(fake, "104")
    fake.fail_processing = True
    with pytest.raises(PermanentError, match="could not process the media: Unsupported media"):
        client.upload_media(access, "104", MediaUpload("image", "image/gif", gif_bytes(frames=2)))


def test_x_takes_no_documents_and_no_unknown_types(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(x.PLUGIN, http), token(fake, "105")
    with pytest.raises(PermanentError, match="X posts take no documents"):
        client.upload_media(access, "105", MediaUpload("document", "application/pdf", PDF, title="Report"))
    with pytest.raises(PermanentError, match="not image/tiff"):
        client.upload_media(access, "105", MediaUpload("image", "image/tiff", png()))
    with pytest.raises(PermanentError, match="at most 5 MB"):
        client.upload_media(access, "105", MediaUpload("image", "image/png", png(6 * 1024 * 1024)))
    with pytest.raises(PermanentError, match="alt text is 1001 characters"):
        client.upload_media(access, "105", MediaUpload("image", "image/png", png(), alt_text="a" * 1001))
    assert fake.uploads("twitter") == 0  # refused before anything was sent


def test_the_x_fake_refuses_what_x_refuses(fake: FakePlatforms, http: httpx.Client) -> None:
    client = connect(x.PLUGIN, http)
    ada, bob = token(fake, "201"), token(fake, "202")
    image = MediaUpload("image", "image/png", png())
    adas = client.upload_media(ada, "201", image)

    def tweet(access: str, media_ids: list[str]) -> httpx.Response:
        return http.post(f"{client.api}/2/tweets", headers={"Authorization": f"Bearer {access}"},
                         json={"text": f"with {media_ids}", "media": {"media_ids": media_ids}})  # fmt: skip

    assert tweet(ada, ["999"]).status_code == 400  # unknown media id
    assert tweet(bob, [adas]).status_code == 400  # another author's media
    assert tweet(ada, []).status_code == 400
    # Segments must add up to total_bytes at FINALIZE.
    auth = {"Authorization": f"Bearer {ada}"}
    declared = {"total_bytes": 100, "media_type": "image/png", "media_category": "tweet_image"}
    started = http.post(f"{client.api}/2/media/upload/initialize", headers=auth, json=declared)
    media_id = started.json()["data"]["id"]
    appended = http.post(f"{client.api}/2/media/upload/{media_id}/append", headers=auth,
                         data={"segment_index": "0"}, files={"media": ("m", b"x" * 60)})  # fmt: skip
    assert appended.status_code == 200
    finished = http.post(f"{client.api}/2/media/upload/{media_id}/finalize", headers=auth)
    assert finished.status_code == 400 and "add up" in finished.json()["detail"]
    assert tweet(ada, [media_id]).status_code == 400  # never finalized: not ready
    assert fake.posts == []
    assert tweet(ada, [adas]).status_code == 201


# ---- LinkedIn ----------------------------------------------------------------------------------------------


def test_an_image_with_alt_text_lands_on_linkedin(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access, data = connect(linkedin.PLUGIN, http), token(fake, "301"), png()
    image = MediaUpload("image", "image/png", data, alt_text="The team at the offsite")

    urn = client.upload_media(access, "301", image)
    assert urn.startswith("urn:li:image:")
    post_id = client.create_post(access, "301", "Great days", None, [image.attached(urn)])

    [post] = fake.posts
    assert post.id == post_id and post.media_ids == [urn]
    [media] = fake.media_of(post)
    assert media.data == data and media.alt_text == "The team at the offsite" and media.kind == "image"
    assert fake.uploads("linkedin", "put") == 1


def test_several_images_make_a_linkedin_multi_image_post(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(linkedin.PLUGIN, http), token(fake, "302")
    images = [MediaUpload("image", "image/jpeg", png(3000 + i), alt_text=f"slide {i}") for i in range(3)]
    attached = [image.attached(client.upload_media(access, "302", image)) for image in images]

    client.create_post(access, "302", "Three pictures", None, attached)

    [post] = fake.posts
    assert post.media_ids == [m.id for m in attached]
    assert [(m.data, m.alt_text) for m in fake.media_of(post)] == [
        (image.read(), f"slide {i}") for i, image in enumerate(images)
    ]


def test_a_pdf_is_a_linkedin_document_post_with_its_title(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(linkedin.PLUGIN, http), token(fake, "303")
    fake.li_processing_polls = 2  # PROCESSING twice, then AVAILABLE
    document = MediaUpload("document", "application/pdf", PDF, title="Quarterly report")

    urn = client.upload_media(access, "303", document)
    assert urn.startswith("urn:li:document:") and fake.uploads("linkedin", "status") == 3
    client.create_post(access, "303", "Our numbers", None, [document.attached(urn)])

    [post] = fake.posts
    [media] = fake.media_of(post)
    assert media.kind == "document" and media.data == PDF and media.title == "Quarterly report"
    with pytest.raises(PermanentError, match="one document and nothing else"):
        client.create_post(access, "303", "Mixed", None, [document.attached(urn), PostMedia(urn, "image")])


def test_the_linkedin_fake_refuses_what_linkedin_refuses(fake: FakePlatforms, http: httpx.Client) -> None:
    client = connect(linkedin.PLUGIN, http)
    ada, bob = token(fake, "401"), token(fake, "402")
    headers = client._rest(ada)
    started = http.post(f"{client.api}/rest/images", params={"action": "initializeUpload"}, headers=headers,
                        json={"initializeUploadRequest": {"owner": "urn:li:person:401"}})  # fmt: skip
    value = started.json()["value"]
    urn, upload_url = value["image"], value["uploadUrl"]

    def post(access: str, content: dict[str, Any]) -> httpx.Response:
        user = "401" if access == ada else "402"
        body = {"author": f"urn:li:person:{user}", "commentary": f"post {len(fake.requests)}",
                "lifecycleState": "PUBLISHED", "content": content}  # fmt: skip
        return http.post(f"{client.api}/rest/posts", json=body, headers=client._rest(access))

    assert post(ada, {"media": {"id": urn}}).status_code == 400  # its bytes have not arrived
    assert (
        http.put(upload_url, content=b"x" * 10, headers={"Authorization": f"Bearer {ada}"}).status_code == 201
    )
    again = http.put(upload_url, content=b"y" * 10, headers={"Authorization": f"Bearer {ada}"})
    assert again.status_code == 400 and fake.media[urn].data == b"x" * 10  # the URL takes one PUT
    assert post(bob, {"media": {"id": urn}}).status_code == 400  # another member's image
    assert post(ada, {"media": {"id": "urn:li:image:nope"}}).status_code == 400
    assert post(ada, {"multiImage": {"images": [{"id": urn}]}}).status_code == 422  # at least 2
    assert fake.posts == []
    assert post(ada, {"media": {"id": urn, "altText": "x"}}).status_code == 201


# ---- errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("plugin", [x.PLUGIN, linkedin.PLUGIN], ids=["x", "linkedin"])
@pytest.mark.parametrize(
    ("step", "status", "error"),
    [("initialize", 503, TransientError), ("initialize", 400, PermanentError),
     ("initialize", 429, TransientError), ("initialize", 403, PermanentError),
     ("status", 500, TransientError)],
)  # fmt: skip
def test_upload_errors_are_classified(
    fake: FakePlatforms, http: httpx.Client, plugin: PlatformPlugin, step: str, status: int, error: type
) -> None:
    client, access = connect(plugin, http), token(fake, "501")
    # "status": X reads it while processing a GIF, LinkedIn after every upload.
    image = MediaUpload("image", "image/gif", gif_bytes(frames=2))
    fake.fail_upload(status, step)
    with pytest.raises(error) as raised:
        client.upload_media(access, "501", image)
    assert raised.value.http_status == status
    fake.upload_faults.clear()
    assert client.upload_media(access, "501", image)  # the next try goes through


def test_x_append_and_metadata_errors_are_classified(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(x.PLUGIN, http), token(fake, "502")
    image = MediaUpload("image", "image/png", png(), alt_text="described")
    fake.fail_upload(502, "append")
    with pytest.raises(TransientError):
        client.upload_media(access, "502", image)
    fake.fail_upload(400, "metadata")
    with pytest.raises(PermanentError, match="alt text: 400"):
        client.upload_media(access, "502", image)
    fake.fail_upload(503, "finalize")
    with pytest.raises(TransientError, match="finishing the X media upload: 503"):
        client.upload_media(access, "502", image)


def test_linkedin_put_errors_are_classified(fake: FakePlatforms, http: httpx.Client) -> None:
    client, access = connect(linkedin.PLUGIN, http), token(fake, "503")
    document = MediaUpload("document", "application/pdf", PDF, title="Deck")
    fake.fail_upload(500, "put")
    with pytest.raises(TransientError, match="uploading the document to LinkedIn: 500"):
        client.upload_media(access, "503", document)
    fake.fail_upload(400, "put")
    with pytest.raises(PermanentError):
        client.upload_media(access, "503", document)


@pytest.mark.parametrize("plugin", [x.PLUGIN, linkedin.PLUGIN], ids=["x", "linkedin"])
def test_a_refused_token_is_auth_rejected(
    fake: FakePlatforms, http: httpx.Client, plugin: PlatformPlugin
) -> None:
    client, access = connect(plugin, http), token(fake, "601")
    image = MediaUpload("image", "image/png", png())
    with pytest.raises(AuthRejected):
        client.upload_media("not-a-token", "601", image)
    media_id = client.upload_media(access, "601", image)
    fake.revoked = True
    with pytest.raises(AuthRejected):
        client.create_post(access, "601", "after revocation", None, [image.attached(media_id)])


def test_a_connection_dropped_after_finalize_is_a_network_error(
    fake: FakePlatforms, http: httpx.Client
) -> None:
    """X finalized the upload but the answer was lost: an httpx error, which the publisher treats as transient
    (the media id was never learnt, so the next attempt uploads afresh)."""
    client, access = connect(x.PLUGIN, http), token(fake, "701")
    fake.drop_after("finalize")
    with pytest.raises(httpx.HTTPError):
        client.upload_media(access, "701", MediaUpload("image", "image/png", png()))
    [media] = fake.media.values()
    assert media.ready  # the platform has it all the same


def test_a_post_naming_a_missing_medium_is_a_permanent_error(fake: FakePlatforms, http: httpx.Client) -> None:
    for plugin, missing in ((x.PLUGIN, "12345"), (linkedin.PLUGIN, "urn:li:image:missing")):
        client, access = connect(plugin, http), token(fake, "801")
        with pytest.raises(PermanentError) as raised:
            client.create_post(access, "801", f"on {plugin.name}", None, [PostMedia(missing)])
        assert raised.value.http_status == 400
    assert fake.posts == []


def test_a_platform_without_media_refuses_an_upload(fake: FakePlatforms, http: httpx.Client) -> None:
    class Plain(OAuthClient):
        identity = create_post = recent_posts = comment = post_url = metrics = None  # type: ignore[assignment]

    plain = PlatformPlugin(name="plain", display_name="Plain", length=x.PLUGIN.length, prompt_rules="",
                           settings_prefix="x", oauth=x.PLUGIN.oauth, client=Plain)  # fmt: skip
    client = plain.connect(get_settings(), http)
    with pytest.raises(PermanentError, match="Plain posts take no media"):
        client.upload_media("t", "1", MediaUpload("image", "image/png", png()))
