"""Receiving an upload: the multipart body read as it streams in, the file written straight to a staging file,
with a hard byte limit that depends on what the first bytes say the file is.

Nothing is buffered whole in memory and nothing is read past the limit: the moment the file's bytes pass it,
reading stops and the answer is a 413 naming the limit. The first bytes decide the type (an unsupported one is
a 415 before the rest is read). A body that ends before its closing boundary (a cut-off upload), an empty
file, two files or an oversized text field is a 422. On every error the staging file is removed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from api.core.errors import AppError, PayloadTooLarge, Unprocessable, UnsupportedMediaType
from api.media import limits
from api.media.validation import SNIFF_BYTES, sniff

FILE_FIELD = "file"
TEXT_FIELDS = ("alt_text", "title")
# A text field is at most this many bytes (a 1,000-character alt text in 4-byte UTF-8 fits).
FIELD_MAX_BYTES = 8 * 1024
_FLUSH_BYTES = 1024 * 1024


@dataclass
class Received:
    """A complete upload: the staged file (the caller removes it) and the text fields."""

    path: Path
    size: int
    mime_type: str
    filename: str | None
    fields: dict[str, str] = field(default_factory=dict)


class _Reader:
    """python-multipart's callbacks: the file into a staging file, the text fields into memory."""

    def __init__(self, staging: Path, limit_for: Callable[[str], tuple[int, str]]) -> None:
        self.staging = staging
        self.limit_for = limit_for
        self.error: AppError | None = None
        self.fields: dict[str, bytearray] = {}
        self.ended = False
        # the part being read
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._name: str | None = None
        self._is_file = False
        # the file
        self.files = 0
        self.file_complete = False
        self.filename: str | None = None
        self.mime_type: str | None = None
        self.limit = 0
        self.size = 0
        self.head = bytearray()
        self.path: Path | None = None
        self.handle: BinaryIO | None = None
        self.pending = bytearray()

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }

    def fail(self, error: AppError) -> None:
        if self.error is None:
            self.error = error

    def on_part_begin(self) -> None:
        self._disposition = b""
        self._name = None
        self._is_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        self._name = name
        self._is_file = name == FILE_FIELD
        if self._is_file:
            self.files += 1
            if self.files > 1:
                self.fail(_field_error(FILE_FIELD, "Send one file per upload."))
            raw = options.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw else None
        elif name in TEXT_FIELDS:
            self.fields[name] = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        chunk = data[start:end]
        if self._is_file:
            if self.files == 1:
                self._file_data(chunk)
        elif self._name in self.fields:
            value = self.fields[self._name]
            value += chunk
            if len(value) > FIELD_MAX_BYTES:
                self.fail(_field_error(self._name, f"At most {FIELD_MAX_BYTES} bytes."))

    def _file_data(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.mime_type is None:
            self.head += chunk
            if len(self.head) < SNIFF_BYTES:
                return
            self._decide()
            if self.error is not None:
                return
            chunk = bytes(self.head)
        if self.size > self.limit:
            what = limits.FORMATS[self.mime_type or ""][1]
            self.fail(
                PayloadTooLarge(
                    f"The file is larger than {self.limit:,} bytes ({limits.megabytes(self.limit)}), the "
                    f"limit for {what} files: {self.limit_for(self.mime_type or '')[1]}. Reading stopped "
                    "there."
                )
            )
            return
        self.pending += chunk

    def _decide(self) -> None:
        self.mime_type = sniff(bytes(self.head))
        if self.mime_type is None:
            self.fail(
                UnsupportedMediaType(
                    f"The file is not one the library takes: it must be {limits.ACCEPTED} (decided from its "
                    "content, not its name or declared type)."
                )
            )
            return
        self.limit = self.limit_for(self.mime_type)[0]
        self.staging.mkdir(parents=True, exist_ok=True)
        self.path = self.staging / f"upload-{os.urandom(12).hex()}.part"
        self.handle = open(self.path, "wb")  # noqa: SIM115 (closed in `close`, on every path)

    def on_part_end(self) -> None:
        if self._is_file and self.files == 1 and self.error is None:
            if self.size == 0:
                self.fail(_field_error(FILE_FIELD, "The file is empty (0 bytes)."))
                return
            if self.mime_type is None:  # shorter than the sniffed head
                self._decide()
                if self.error is None:
                    self.pending += self.head
            self.file_complete = True

    def on_end(self) -> None:
        self.ended = True

    def flush(self) -> None:
        if self.handle is not None and self.pending:
            self.handle.write(self.pending)
            self.pending.clear()

    def close(self, keep: bool) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        if not keep and self.path is not None:
            self.path.unlink(missing_ok=True)


def _field_error(name: str, message: str) -> Unprocessable:
    return Unprocessable([{"loc": ["body", name], "msg": message, "type": "value_error"}])


async def receive(request: Request, staging: Path, limit_for: Callable[[str], tuple[int, str]]) -> Received:
    """Read the multipart body of `request` into a staging file (see the module docstring). `limit_for(mime)`
    gives the byte limit for a type and the words that explain it."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType(
            "Send the upload as multipart/form-data with a `file` field (and `alt_text` or `title`)."
        )
    reader = _Reader(staging, limit_for)
    keep = False
    try:
        try:
            parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
            async for chunk in request.stream():
                parser.write(chunk)
                if reader.error is not None:
                    break  # stop reading: past a limit, or a type the library does not take
                if len(reader.pending) >= _FLUSH_BYTES:
                    await anyio.to_thread.run_sync(reader.flush)
            else:
                parser.finalize()
        except FormParserError as exc:
            raise Unprocessable("The body is not valid multipart/form-data.") from exc
        except ClientDisconnect as exc:
            raise Unprocessable("The upload was cut off: the client stopped sending before the end.") from exc
        if reader.error is not None:
            raise reader.error
        if reader.files == 0:
            raise _field_error(FILE_FIELD, "Field required: the file to upload.")
        if not reader.ended or not reader.file_complete:
            raise Unprocessable(
                "The upload was cut off: the body ends before its closing multipart boundary."
            )
        await anyio.to_thread.run_sync(reader.flush)
        fields: dict[str, str] = {}
        for name, raw in reader.fields.items():
            try:
                fields[name] = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _field_error(name, "Not valid UTF-8 text.") from exc
        assert reader.path is not None and reader.mime_type is not None
        keep = True
        return Received(reader.path, reader.size, reader.mime_type, reader.filename, fields)
    finally:
        reader.close(keep)
