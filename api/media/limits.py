"""Every media limit in one place: what the library accepts at all, and what each platform takes in a post.

Sizes are in decimal megabytes (1 MB = 1,000,000 bytes): the platforms write "5 MB" without saying which
megabyte, and the smaller reading is the one a platform can never refuse.

The library's ceilings (an upload past them is refused before it is stored):

| what | limit | why |
| --- | --- | --- |
| image file | 15 MB | the largest image a supported platform takes (X's animated GIFs) |
| image pixels | 36,152,320 per frame | LinkedIn's Images API; Pillow's `MAX_IMAGE_PIXELS` (the bomb guard) |
| animation | 300,000,000 pixels over all frames | our own guard: every frame is decoded to check it |
| PDF document | 100 MB, 300 pages | LinkedIn's Documents API (the only platform here that takes documents) |
| alt text | 1,000 characters | X's limit for image descriptions |

What each platform takes in one post (`PLATFORM_MEDIA`, keyed by the registry's platform name; a platform
without an entry takes no media):

- X (docs.x.com, "Media" and "Media upload best practices"): images up to 5 MB, GIFs up to 15 MB; JPEG,
  PNG, GIF, WebP; up to 4 images per post, or 1 animated GIF alone; no documents. Each post of a thread has
  its own.
- LinkedIn (Microsoft Learn, LinkedIn Marketing API: Images API, MultiImage API, Documents API): JPEG, PNG
  and GIF images (GIFs up to 250 frames), under 36,152,320 pixels; 1 image, or 2 to 20 as a multi-image
  post; or exactly one document (PDF, up to 100 MB and 300 pages) with a title; never images and a document
  together. LinkedIn's API documents no byte limit for images, so the library's ceiling applies.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1_000_000

# ---- the library ------------------------------------------------------------------------------------------

IMAGE_MAX_BYTES = 15 * MB
IMAGE_MAX_PIXELS = 36_152_320
ANIMATION_MAX_PIXELS = 300_000_000
DOCUMENT_MAX_BYTES = 100 * MB
DOCUMENT_MAX_PAGES = 300
ALT_TEXT_MAX_CHARS = 1000
TITLE_MAX_CHARS = 300
THUMBNAIL_SIDE = 320
PREVIEW_SIDE = 1080

# The formats the library takes, decided from the bytes: MIME type -> (kind, what people call it).
FORMATS: dict[str, tuple[str, str]] = {
    "image/jpeg": ("image", "JPEG"),
    "image/png": ("image", "PNG"),
    "image/gif": ("image", "GIF"),
    "image/webp": ("image", "WebP"),
    "application/pdf": ("document", "PDF"),
}
ACCEPTED = "JPEG, PNG, GIF or WebP images and PDF documents"


# ---- the platforms ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlatformMedia:
    """What one post (or one post of a thread) may carry on a platform."""

    source: str  # where the numbers come from
    image_types: frozenset[str]  # MIME types
    image_max_bytes: int
    gif_max_bytes: int
    images_per_post: int
    # An animated GIF must be the only media of its post (X).
    animated_gif_alone: bool = False
    gif_max_frames: int | None = None
    image_max_pixels: int | None = None
    documents: bool = False
    document_max_bytes: int = 0
    document_max_pages: int = 0
    document_needs_title: bool = False


PLATFORM_MEDIA: dict[str, PlatformMedia] = {
    "twitter": PlatformMedia(
        source="X API media docs (docs.x.com/x-api/media): images 5 MB, GIFs 15 MB, 4 photos or 1 GIF a post",
        image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
        image_max_bytes=5 * MB,
        gif_max_bytes=15 * MB,
        images_per_post=4,
        animated_gif_alone=True,
    ),
    "linkedin": PlatformMedia(
        source=(
            "LinkedIn Marketing API docs (learn.microsoft.com/linkedin): Images API (JPG, PNG, GIF up to "
            "250 frames, under 36,152,320 pixels), MultiImage API (2 to 20 images), Documents API (100 MB, "
            "300 pages)"
        ),
        image_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
        image_max_bytes=IMAGE_MAX_BYTES,
        gif_max_bytes=IMAGE_MAX_BYTES,
        images_per_post=20,
        gif_max_frames=250,
        image_max_pixels=IMAGE_MAX_PIXELS,
        documents=True,
        document_max_bytes=DOCUMENT_MAX_BYTES,
        document_max_pages=DOCUMENT_MAX_PAGES,
        document_needs_title=True,
    ),
}


def megabytes(size: int) -> str:
    """`5000000` -> `5 MB`, `15728640` -> `15.7 MB`."""
    value = size / MB
    return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"


def file_problems(
    rules: PlatformMedia,
    platform: str,
    *,
    kind: str,
    mime_type: str,
    byte_size: int,
    width: int | None,
    height: int | None,
    frames: int | None,
    pages: int | None,
) -> list[str]:
    """What keeps one file from a post on the platform (`platform` is its display name), each naming the
    limit; empty when it fits. The rules about several files together are the attachments' (api.content)."""
    if kind == "document":
        if not rules.documents:
            return [f"{platform} takes no documents in posts"]
        problems = []
        if byte_size > rules.document_max_bytes:
            problems.append(
                f"the document is {megabytes(byte_size)}; {platform} takes documents up to "
                f"{megabytes(rules.document_max_bytes)}"
            )
        if pages is not None and pages > rules.document_max_pages:
            problems.append(
                f"the document has {pages} pages; {platform} takes at most {rules.document_max_pages}"
            )
        return problems
    name = FORMATS.get(mime_type, ("image", mime_type))[1]
    if mime_type not in rules.image_types:
        taken = ", ".join(FORMATS[t][1] for t in FORMATS if t in rules.image_types)
        return [f"{platform} takes {taken} images, not {name}"]
    problems = []
    gif = mime_type == "image/gif"
    limit = rules.gif_max_bytes if gif else rules.image_max_bytes
    if byte_size > limit:
        problems.append(
            f"the {name} is {megabytes(byte_size)}; {platform} takes {name if gif else 'image'}s up to "
            f"{megabytes(limit)}"
        )
    if gif and rules.gif_max_frames is not None and (frames or 1) > rules.gif_max_frames:
        problems.append(f"the GIF has {frames} frames; {platform} takes at most {rules.gif_max_frames}")
    if rules.image_max_pixels is not None and width and height and width * height >= rules.image_max_pixels:
        problems.append(
            f"the image is {width * height:,} pixels; {platform} takes fewer than {rules.image_max_pixels:,}"
        )
    return problems
