"""The media library's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.media import limits

MediaKind = Literal["image", "document"]
HexColour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
# One line of visible text: no control characters (line breaks included).
_LINE = r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$"
# Text that may have line breaks and tabs but no other control character.
_TEXT = r"^[^\x00-\x08\x0b-\x1f\x7f]*$"


class MediaOut(BaseModel):
    """An image or a document of the workspace's library."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: MediaKind
    source: Literal["upload", "carousel"]
    mime_type: str
    byte_size: int
    sha256: str = Field(description="SHA-256 of the stored bytes (after metadata was removed)")
    width: int | None = Field(description="images: pixels; documents: the first page's width in points")
    height: int | None
    frames: int | None = Field(description="images: frames (more than 1: animated)")
    pages: int | None = Field(description="documents: pages")
    alt_text: str | None
    title: str | None
    filename: str | None
    created_at: datetime
    updated_at: datetime
    file_url: str
    thumbnail_url: str
    problems: dict[str, list[str]] = Field(
        description="per platform, what keeps this file from a post there (empty: it fits)"
    )


class MediaPage(BaseModel):
    """A page of the library, newest first, with the total that matched."""

    items: list[MediaOut]
    total: int
    limit: int
    offset: int


class MediaUpdate(BaseModel):
    """Change the alt text or the title; a field left out is unchanged (an image keeps an alt text)."""

    model_config = ConfigDict(extra="forbid")

    alt_text: (
        Annotated[str, StringConstraints(max_length=limits.ALT_TEXT_MAX_CHARS, pattern=_TEXT)] | None
    ) = Field(default=None, description=f"at most {limits.ALT_TEXT_MAX_CHARS} characters (X's limit)")
    title: Annotated[str, StringConstraints(max_length=limits.TITLE_MAX_CHARS, pattern=_LINE)] | None = None


class SlideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=_LINE)]
    body: Annotated[str, StringConstraints(max_length=700, pattern=_TEXT)] = ""


class ColoursIn(BaseModel):
    """Any colour left out comes from the workspace's brand colours."""

    model_config = ConfigDict(extra="forbid")

    background: HexColour | None = None
    text: HexColour | None = None
    accent: HexColour | None = None


class CarouselIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[
        str, StringConstraints(min_length=1, max_length=limits.TITLE_MAX_CHARS, pattern=_LINE)
    ] = Field(description="the document's title (LinkedIn shows it above the carousel)")
    slides: list[SlideIn] = Field(min_length=2, max_length=20)
    colors: ColoursIn | None = None
