"""What a received file is, decided from its bytes, and the cleaned copy that is stored.

- The type comes from the content (magic bytes, then Pillow or PDFium must read it), never from the file name
  or the client's Content-Type. Anything else is a 415 naming the accepted formats; a file that starts like
  one format but is not readable as it (a lie, or a truncated file) is a 422 saying so.
- Images: the decompression-bomb guard is Pillow's `MAX_IMAGE_PIXELS` set to the library's ceiling, its
  `DecompressionBombWarning` turned into an error, and an explicit check of every frame's size. The stored
  copy carries no metadata: JPEG, PNG and WebP are re-encoded from their pixels after `exif_transpose` (the
  orientation is applied, then EXIF, GPS, XMP, IPTC and comments are gone; the colour profile stays; a JPEG
  that needs no rotation keeps its own quantisation tables, so re-encoding loses next to nothing); GIFs are
  rewritten block by block without their comment and application blocks (frames, timing and loop untouched).
- PDFs: PDFium (pypdfium2, Chrome's PDF engine as a prebuilt wheel) must open it; encrypted, empty,
  truncated (no `%%EOF` at its end) or too long (pages) is a 422. It renders the thumbnail and the previews.
  PDFium is not thread-safe, so every call into it holds `PDFIUM_LOCK`.
"""

from __future__ import annotations

import io
import re
import struct
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pypdfium2 as pdfium
from PIL import ExifTags, Image, ImageOps, ImageSequence, UnidentifiedImageError

from api.core.errors import Unprocessable
from api.media import limits

Image.MAX_IMAGE_PIXELS = limits.IMAGE_MAX_PIXELS
# Past MAX_IMAGE_PIXELS Pillow only warns (it raises at twice that): here the warning is an error too, and
# `_open` checks the size itself as well (a test runner may reset warning filters).
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

PDFIUM_LOCK = threading.Lock()

_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
SNIFF_BYTES = 16


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes announce, or None for anything the library does not take."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass(frozen=True)
class Checked:
    """A file that passed: its type, what was measured, the thumbnail, and the path of the bytes to store."""

    mime_type: str
    kind: str
    path: Path
    width: int | None = None
    height: int | None = None
    frames: int | None = None
    pages: int | None = None
    thumbnail: bytes = b""


def check(source: Path, mime_type: str, out: Path) -> Checked:
    """Check the received file and write the copy to store to `out` (images) or keep `source` (PDFs)."""
    if mime_type == "application/pdf":
        return _check_pdf(source)
    if mime_type == "image/gif":
        return _check_gif(source, out)
    return _check_image(source, mime_type, out)


# ---- images ------------------------------------------------------------------------------------------------


def _unreadable(what: str, exc: BaseException | None = None) -> Unprocessable:
    reason = f" ({_reason(exc)})" if exc is not None else ""
    return Unprocessable(f"The file starts like a {what} image but is not a readable one{reason}.")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def _too_many_pixels(width: int, height: int) -> Unprocessable:
    return Unprocessable(
        f"The image is {width} x {height} = {width * height:,} pixels; the limit is "
        f"{limits.IMAGE_MAX_PIXELS:,} pixels (LinkedIn's image limit, and the decompression-bomb guard)."
    )


def _open(source: Path | BinaryIO, mime_type: str) -> Image.Image:
    what = limits.FORMATS[mime_type][1]
    try:
        image = Image.open(source, formats=[_PIL_FORMAT[mime_type]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{int(found.group(1)):,} pixels" if found else "more pixels than allowed"
        raise Unprocessable(
            f"The image has {pixels}; the limit is {limits.IMAGE_MAX_PIXELS:,} pixels (LinkedIn's image "
            "limit, and the decompression-bomb guard)."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as exc:
        raise _unreadable(what, exc) from exc
    width, height = image.size
    if width < 1 or height < 1:
        raise _unreadable(what)
    if width * height > limits.IMAGE_MAX_PIXELS:
        raise _too_many_pixels(width, height)
    return image


def _frame_budget(frames: int, width: int, height: int) -> None:
    if frames * width * height > limits.ANIMATION_MAX_PIXELS:
        raise Unprocessable(
            f"The animation has {frames} frames of {width} x {height} = {frames * width * height:,} pixels "
            f"in all; the limit is {limits.ANIMATION_MAX_PIXELS:,}."
        )


def _thumbnail(image: Image.Image) -> bytes:
    """A WebP at most THUMBNAIL_SIDE on its longer side, from the (already oriented) first frame."""
    frame = image.copy()
    has_alpha = frame.mode in {"RGBA", "LA", "PA"} or "transparency" in frame.info
    if frame.mode not in {"RGB", "RGBA"}:
        frame = frame.convert("RGBA" if has_alpha else "RGB")
    frame.thumbnail((limits.THUMBNAIL_SIDE, limits.THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    frame.save(buffer, "WEBP", quality=80, method=4)
    return buffer.getvalue()


def thumbnail_of(source: BinaryIO, mime_type: str) -> bytes:
    """The thumbnail of a stored image (its first frame)."""
    with _open(source, mime_type) as image:
        return _thumbnail(ImageOps.exif_transpose(image))


def _webp_lossless(path: Path) -> bool:
    """Whether a WebP file's (first) image is lossless (a VP8L chunk), read from its RIFF chunks."""
    with open(path, "rb") as handle:
        data = handle.read(64 * 1024)
    offset = 12
    while offset + 8 <= len(data):
        tag, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        if tag == b"VP8L":
            return True
        if tag == b"VP8 ":
            return False
        if tag == b"ANMF":
            offset += 8 + 16  # into the first frame's own chunks
            continue
        offset += 8 + size + (size & 1)
    return False


def _check_image(source: Path, mime_type: str, out: Path) -> Checked:
    what = limits.FORMATS[mime_type][1]
    with _open(source, mime_type) as image:
        frames = getattr(image, "n_frames", 1)
        width, height = image.size
        _frame_budget(frames, width, height)
        try:
            if frames > 1:
                thumbnail = _write_animation(image, mime_type, source, out)
            else:
                thumbnail = _write_still(image, mime_type, source, out)
        except Unprocessable:
            raise
        except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
            raise _unreadable(what, exc) from exc
        width, height = _stored_size(out, mime_type)
    return Checked(mime_type, "image", out, width, height, frames, None, thumbnail)


def _stored_size(path: Path, mime_type: str) -> tuple[int, int]:
    with Image.open(path, formats=[_PIL_FORMAT[mime_type]]) as stored:
        return stored.size


def _write_still(image: Image.Image, mime_type: str, source: Path, out: Path) -> bytes:
    image.load()  # a truncated file fails here
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    icc = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    if mime_type == "image/jpeg" and orientation in (1, None):
        # No rotation needed: re-encode with the file's own tables and subsampling (next to lossless).
        image.info = {}
        image.save(out, "JPEG", quality="keep", subsampling="keep", icc_profile=icc, comment=b"", exif=b"")
        return _thumbnail(image)
    oriented = ImageOps.exif_transpose(image)
    oriented.info = {}
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if mime_type == "image/jpeg":
        oriented.save(out, "JPEG", quality=92, optimize=True, comment=b"", exif=b"", **options)
    elif mime_type == "image/png":
        if transparency is not None:
            options["transparency"] = transparency
        oriented.save(out, "PNG", **options)
    else:
        lossless = _webp_lossless(source)
        oriented.save(
            out, "WEBP", lossless=lossless, quality=100 if lossless else 90, exif=b"", xmp=b"", **options
        )
    return _thumbnail(oriented)


def _write_animation(image: Image.Image, mime_type: str, source: Path, out: Path) -> bytes:
    """Animated PNG and WebP: every frame re-encoded with its duration and the loop count, nothing else."""
    loop = image.info.get("loop", 0)
    icc = image.info.get("icc_profile")
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        if frame.size[0] * frame.size[1] > limits.IMAGE_MAX_PIXELS:
            raise _too_many_pixels(*frame.size)
        durations.append(int(frame.info.get("duration", 100) or 100))
        copy = frame.convert("RGBA")
        copy.info = {}
        frames.append(copy)
    first, rest = frames[0], frames[1:]
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if mime_type == "image/png":
        first.save(out, "PNG", save_all=True, append_images=rest, duration=durations, loop=loop, **options)
    else:
        lossless = _webp_lossless(source)
        first.save(
            out,
            "WEBP",
            save_all=True,
            append_images=rest,
            duration=durations,
            loop=loop,
            lossless=lossless,
            quality=100 if lossless else 90,
            exif=b"",
            xmp=b"",
            **options,
        )
    return _thumbnail(first)


# ---- GIF ---------------------------------------------------------------------------------------------------

# Application blocks a GIF needs: the loop count (NETSCAPE2.0 and its older twin). Others (XMP, ICC, a
# program's own data) and comments are left out of the stored copy.
_KEEP_APPLICATIONS = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}


class _Truncated(Exception):
    pass


def _read(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise _Truncated
    return data


def _sub_blocks(source: BinaryIO, sink: BinaryIO | None) -> None:
    while True:
        size = _read(source, 1)
        if sink is not None:
            sink.write(size)
        if size == b"\0":
            return
        data = _read(source, size[0])
        if sink is not None:
            sink.write(data)


def strip_gif(source: BinaryIO, sink: BinaryIO) -> tuple[int, int, int]:
    """Copy a GIF without its comment and foreign application blocks; (width, height, frames).
    Raises Unprocessable for a file that is not a whole GIF."""
    try:
        header = _read(source, 6)
        if header not in (b"GIF87a", b"GIF89a"):
            raise _unreadable("GIF")
        screen = _read(source, 7)
        width, height, flags = struct.unpack("<HHB", screen[:5])
        sink.write(header + screen)
        if flags & 0x80:
            sink.write(_read(source, 3 * 2 ** ((flags & 7) + 1)))
        frames = 0
        while True:
            introducer = _read(source, 1)
            if introducer == b";":
                sink.write(introducer)  # anything after the trailer is dropped too
                break
            if introducer == b"!":
                label = _read(source, 1)
                if label == b"\xfe":  # comment
                    _sub_blocks(source, None)
                elif label == b"\xff":  # application: an 11-byte identifier block first
                    size = _read(source, 1)
                    identifier = _read(source, size[0])
                    if identifier[:11] in _KEEP_APPLICATIONS:
                        sink.write(introducer + label + size + identifier)
                        _sub_blocks(source, sink)
                    else:
                        _sub_blocks(source, None)
                else:  # graphic control, plain text
                    sink.write(introducer + label)
                    _sub_blocks(source, sink)
            elif introducer == b",":
                descriptor = _read(source, 9)
                sink.write(introducer + descriptor)
                local = descriptor[8]
                if local & 0x80:
                    sink.write(_read(source, 3 * 2 ** ((local & 7) + 1)))
                sink.write(_read(source, 1))  # LZW minimum code size
                _sub_blocks(source, sink)
                frames += 1
            else:
                raise _unreadable("GIF", ValueError(f"unknown block 0x{introducer.hex()}"))
    except _Truncated as exc:
        raise Unprocessable("The GIF is truncated: the file ends before its last block.") from exc
    if frames == 0:
        raise _unreadable("GIF", ValueError("no frame"))
    return width, height, frames


def _check_gif(source: Path, out: Path) -> Checked:
    with open(source, "rb") as raw, open(out, "wb") as sink:
        width, height, frames = strip_gif(io.BufferedReader(raw, 1024 * 1024), sink)
    if width * height > limits.IMAGE_MAX_PIXELS:
        raise _too_many_pixels(width, height)
    _frame_budget(frames, width, height)
    with _open(out, "image/gif") as image:
        try:
            for index in range(frames):  # every frame must decode
                image.seek(index)
                image.load()
            image.seek(0)
            image.load()
            thumbnail = _thumbnail(image)
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            raise _unreadable("GIF", exc) from exc
    return Checked("image/gif", "image", out, width, height, frames, None, thumbnail)


# ---- PDF ---------------------------------------------------------------------------------------------------


def _check_pdf(source: Path) -> Checked:
    with open(source, "rb") as handle:
        handle.seek(max(0, source.stat().st_size - 1024))
        if b"%%EOF" not in handle.read():
            raise Unprocessable("The PDF is truncated: it does not end with %%EOF.")
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(source))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise Unprocessable("The PDF is encrypted (password-protected); upload it unlocked.") from exc
            raise Unprocessable(
                f"The file starts like a PDF but is not a readable one ({_reason(exc)})."
            ) from exc
        try:
            pages = len(document)
            if pages == 0:
                raise Unprocessable("The PDF has no pages.")
            if pages > limits.DOCUMENT_MAX_PAGES:
                raise Unprocessable(
                    f"The PDF has {pages} pages; the limit is {limits.DOCUMENT_MAX_PAGES} "
                    "(LinkedIn's document limit)."
                )
            width, height = document[0].get_size()
            thumbnail = _render(document, 0, limits.THUMBNAIL_SIDE, "WEBP")
        finally:
            document.close()
    return Checked("application/pdf", "document", source, round(width), round(height), None, pages, thumbnail)


def _render(document: pdfium.PdfDocument, index: int, side: int, fmt: str) -> bytes:
    page = document[index]
    try:
        width, height = page.get_size()
        scale = side / max(width, height, 1.0)
        image = page.render(scale=scale).to_pil()
    finally:
        page.close()
    buffer = io.BytesIO()
    if fmt == "WEBP":
        image.save(buffer, "WEBP", quality=80, method=4)
    else:
        image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def render_page(source: BinaryIO | Path, page: int, side: int = limits.PREVIEW_SIDE) -> tuple[bytes, int]:
    """Page `page` (1-based) of a stored PDF as PNG, at most `side` pixels on its longer side; and the number
    of pages. IndexError for a page the document does not have."""
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(str(source) if isinstance(source, Path) else source)
        try:
            pages = len(document)
            if not 1 <= page <= pages:
                raise IndexError(page)
            return _render(document, page - 1, side, "PNG"), pages
        finally:
            document.close()
