"""Test files made on the spot (no binary file is committed): images with metadata, bombs, PDFs."""

from __future__ import annotations

import io
import os
import struct
import zlib

from PIL import ExifTags, Image, PngImagePlugin
from reportlab.pdfgen import canvas

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (48.0, 51.0, 29.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (2.0, 17.0, 40.0),
}


def exif_bytes(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Model] = "Pocket 3000"
    exif[ExifTags.Base.Artist] = "Jane Secret"
    exif[ExifTags.IFD.GPSInfo] = GPS
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    return exif.tobytes()


def two_halves(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Left half red, right half blue: which way up it is shows in the pixels."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg(size: tuple[int, int] = (64, 48), orientation: int | None = None, colour: int = 0) -> bytes:
    image = two_halves(size)
    if colour:
        image.paste((colour % 256, 90, 90), (0, 0, 4, 4))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif_bytes(orientation), comment=b"secret comment")
    return buffer.getvalue()


def png(size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    image = two_halves(size)
    image.putpixel((0, 0), (seed % 256, seed // 256 % 256, 7))
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "48.8575 N, 2.2945 E")
    info.add_text("Author", "Jane Secret")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, exif=exif_bytes())
    return buffer.getvalue()


def noise_png(size: tuple[int, int]) -> bytes:
    """An image that does not compress: its PNG is about 3 bytes per pixel."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def webp(size: tuple[int, int] = (64, 48), lossless: bool = False) -> bytes:
    buffer = io.BytesIO()
    two_halves(size).save(
        buffer,
        "WEBP",
        lossless=lossless,
        exif=exif_bytes(),
        xmp=b"<x:xmpmeta>Jane Secret at home</x:xmpmeta>",
    )
    return buffer.getvalue()


def animated_gif(frames: int = 3, size: tuple[int, int] = (40, 30)) -> bytes:
    """An animated GIF with a comment and an XMP application block (metadata the stored copy must lose)."""
    images = [Image.new("P", size, index * 40) for index in range(frames)]
    for index, image in enumerate(images):
        image.putpalette([value for i in range(256) for value in (i, 255 - i, (i * 7 + index) % 256)])
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=images[1:],
        duration=[100, 200, 300][:frames] + [100] * max(0, frames - 3),
        loop=0,
        comment=b"shot at Jane Secret's home",
    )
    data = buffer.getvalue()
    payload = b"<x:xmpmeta>GPS 48.8575 2.2945</x:xmpmeta>"
    xmp = b"!\xff\x0bXMP DataXMP" + bytes([len(payload)]) + payload + b"\x00"
    return data[:-1] + xmp + b";"


def bomb_png(side: int = 20_000) -> bytes:
    """A side x side 1-bit PNG of zeros: a few tens of kilobytes that would decode to `side`² pixels."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + (side + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def pdf(
    pages: int = 2, size: tuple[float, float] = (612, 792), encrypt: str | None = None, text: str = ""
) -> bytes:
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=size, invariant=1, encrypt=encrypt)
    for number in range(1, pages + 1):
        document.drawString(72, 720, f"{text}page {number}")
        document.showPage()
    document.save()
    return buffer.getvalue()
