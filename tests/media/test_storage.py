"""The storage interface on local disk and on a real S3-compatible server (moto's, on 127.0.0.1)."""

from __future__ import annotations

import pytest

from api.media.storage import LocalStorage, S3Storage, blob_key, get_media_settings, get_storage, put_bytes
from tests.media import files
from tests.media.conftest import media_rows


def _round_trip(storage) -> None:
    key = blob_key("ab" * 32)
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError), storage.open(key):
        pass
    put_bytes(storage, key, b"hello media")
    assert storage.exists(key)
    with storage.open(key) as handle:
        assert handle.read() == b"hello media"
        handle.seek(6)
        assert handle.read() == b"media"
    storage.delete(key)
    storage.delete(key)  # already gone: nothing happens
    assert not storage.exists(key)
    with pytest.raises(ValueError):
        storage.exists("../../etc/passwd")


def test_local_storage_puts_whole_files_and_leaves_no_folders(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    _round_trip(storage)
    assert [path for path in (tmp_path / "media").rglob("*") if path.is_file()] == []
    assert not (tmp_path / "media" / "blobs").exists()


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_media(s3_endpoint, media_dir, monkeypatch):
    """MEDIA_STORAGE=s3 against the server, in a fresh bucket; yields the boto3 client to look inside."""
    import boto3

    bucket = f"media-{id(monkeypatch)}"
    for name, value in {
        "MEDIA_STORAGE": "s3",
        "MEDIA_S3_BUCKET": bucket,
        "MEDIA_S3_PREFIX": "postwright/",
        "MEDIA_S3_ENDPOINT_URL": s3_endpoint,
        "MEDIA_S3_REGION": "us-east-1",
        "MEDIA_S3_ACCESS_KEY_ID": "testing",
        "MEDIA_S3_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    get_media_settings.cache_clear()
    get_storage.cache_clear()
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=bucket)

    def keys() -> list[str]:
        return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))

    yield keys


def test_s3_storage_round_trip(s3_media):
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    _round_trip(storage)
    assert s3_media() == []


def test_the_library_on_s3(client, db, member, media_dir, s3_media):
    image = member.image(client, files.jpeg())
    sha = image["sha256"]
    assert s3_media() == [f"postwright/blobs/{sha[:2]}/{sha}", f"postwright/thumbnails/{sha[:2]}/{sha}.webp"]
    body = client.get(image["file_url"], headers=member.headers)
    assert body.status_code == 200 and body.content[:3] == b"\xff\xd8\xff" and b"SpyCam" not in body.content
    document = member.upload(client, files.pdf(2), "deck.pdf").json()
    assert client.get(f"/api/media/{document['id']}/pages/2", headers=member.headers).status_code == 200
    assert len(s3_media()) == 5  # two files, two thumbnails, one preview
    for asset in (image, document):
        assert client.delete(f"/api/media/{asset['id']}", headers=member.headers).status_code == 204
    assert s3_media() == [] and media_rows(db) == (0, 0)
    assert [path for path in media_dir.rglob("*") if path.is_file()] == []  # nothing left in staging
