"""Where the media library's bytes live: one small interface (`put`, `open`, `delete`, `exists`), a local-disk
default and an S3-compatible option, chosen by settings.

- `MEDIA_STORAGE=local` (the default): files under `MEDIA_DIR` (default `var/media/`). An upload is written to
  a temporary file in `MEDIA_DIR/.staging/` (the same file system) and renamed into place only when it is
  complete and valid, so a reader never sees half a file and a failed upload leaves nothing behind.
- `MEDIA_STORAGE=s3`: objects in `MEDIA_S3_BUCKET` (under `MEDIA_S3_PREFIX`) of any S3-compatible service
  (`MEDIA_S3_ENDPOINT_URL` for MinIO, Ceph, R2...; unset for AWS itself), with `MEDIA_S3_REGION`,
  `MEDIA_S3_ACCESS_KEY_ID` and `MEDIA_S3_SECRET_ACCESS_KEY` (or boto3's usual credential chain: the
  `AWS_*` variables, a profile, an instance role). Uploads are staged on local disk first (validation needs
  the whole file), then sent with boto3, the AWS SDK: it signs requests (SigV4), retries, and sends large
  files in parts, which no smaller client does as well against every S3-compatible server. It is imported
  only when this backend is chosen.

Keys are built here from content hashes (`blob_key`, `thumbnail_key`, `preview_key`): a file's address is the
SHA-256 of its bytes, so the same file is stored once whoever uploads it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol, cast

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.core.config import ConfigurationError, get_settings
from api.media import limits

_KEY = re.compile(r"^[a-z0-9][a-z0-9/_.-]{0,250}$")


class MediaSettings(BaseSettings):
    """The media library's settings (`MEDIA_*`)."""

    model_config = SettingsConfigDict(
        env_prefix="MEDIA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    storage: Literal["local", "s3"] = "local"
    # Local storage's folder; default `<VAR_DIR>/media`.
    dir: Path | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    # The library's ceilings (api.media.limits has the platforms' own); lower them to keep uploads smaller.
    image_max_bytes: int = Field(default=limits.IMAGE_MAX_BYTES, ge=1024)
    document_max_bytes: int = Field(default=limits.DOCUMENT_MAX_BYTES, ge=1024)


@cache
def get_media_settings() -> MediaSettings:
    return MediaSettings()


def blob_key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


def thumbnail_key(sha256: str) -> str:
    return f"thumbnails/{sha256[:2]}/{sha256}.webp"


def preview_key(sha256: str, page: int) -> str:
    return f"previews/{sha256[:2]}/{sha256}/{page}.png"


class Storage(Protocol):
    """What the media library needs of a store. Keys are `[a-z0-9/_.-]` paths built by the functions above."""

    # A local folder for files being received and checked before `put` (on the same file system as the
    # local store, so `put` is a rename).
    staging: Path

    def put(self, key: str, source: Path) -> None:
        """Store the complete file at `source` under `key` (whole or not at all); `source` is consumed."""
        ...

    def open(self, key: str) -> contextlib.AbstractContextManager[BinaryIO]:
        """The stored bytes as a readable, seekable file; FileNotFoundError when there are none."""
        ...

    def delete(self, key: str) -> None:
        """Forget `key`; nothing happens when it is not there."""
        ...

    def exists(self, key: str) -> bool: ...


def _checked(key: str) -> str:
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"not a media storage key: {key!r}")
    return key


def staging_file(storage: Storage, suffix: str = ".part") -> Path:
    """A fresh, unused path in the staging folder (the caller creates and always removes it)."""
    storage.staging.mkdir(parents=True, exist_ok=True)
    return storage.staging / f"{uuid.uuid4().hex}{suffix}"


def put_bytes(storage: Storage, key: str, data: bytes) -> None:
    """Store small derived files (thumbnails, previews) through the same whole-or-nothing `put`."""
    path = staging_file(storage)
    try:
        path.write_bytes(data)
        storage.put(key, path)
    finally:
        path.unlink(missing_ok=True)


class LocalStorage:
    """Files under one folder; `put` is an atomic rename from the staging folder inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / ".staging"

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as handle:
            os.fsync(handle.fileno())  # the bytes are on disk before the name points at them
        try:
            os.replace(source, target)
        except OSError:
            # Another file system (a staging folder moved elsewhere): copy beside the target, then rename.
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
            try:
                shutil.copyfile(source, partial)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
            source.unlink(missing_ok=True)

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        with open(self._path(key), "rb") as handle:
            yield handle

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        # Drop the folders a key made, once empty (never the root).
        parent = path.parent
        while parent != self.root and parent.is_relative_to(self.root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def path(self, key: str) -> Path:
        """Where `key` lies on disk (to serve it without copying)."""
        return self._path(key)


class S3Storage:
    """Objects in an S3-compatible bucket, through boto3 (see the module docstring)."""

    def __init__(self, settings: MediaSettings, staging: Path, client: Any = None) -> None:
        if not settings.s3_bucket:
            raise ConfigurationError("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET (and credentials).")
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix.strip("/") + "/" if settings.s3_prefix.strip("/") else ""
        self.staging = staging
        if client is None:
            import boto3  # only with this backend: the default process never loads the SDK

            secret = settings.s3_secret_access_key
            client = boto3.client(
                "s3",
                endpoint_url=settings.s3_endpoint_url,
                region_name=settings.s3_region,
                aws_access_key_id=settings.s3_access_key_id,
                aws_secret_access_key=secret.get_secret_value() if secret else None,
            )
        self.client = client

    def _key(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, source: Path) -> None:
        # upload_file sends large files in parts; an object appears only when its upload completes.
        self.client.upload_file(str(source), self.bucket, self._key(key))
        source.unlink(missing_ok=True)

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        from botocore.exceptions import ClientError

        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, dir=str(self.staging)) as spool:
            try:
                self.client.download_fileobj(self.bucket, self._key(key), spool)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                    raise FileNotFoundError(key) from exc
                raise
            spool.seek(0)
            yield cast(BinaryIO, spool)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True


def build_storage(settings: MediaSettings) -> Storage:
    root = settings.dir or get_settings().var_dir / "media"
    if settings.storage == "s3":
        staging = root / ".staging"
        staging.mkdir(parents=True, exist_ok=True)
        return S3Storage(settings, staging)
    return LocalStorage(root)


@cache
def get_storage() -> Storage:
    """The process's store, from the settings."""
    return build_storage(get_media_settings())
