"""/api/media: the workspace's media library (images and PDF documents), files, thumbnails, page previews, and
the carousel builder."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from api.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
    responses,
)
from api.core.pagination import MAX_OFFSET
from api.deps import SessionDep
from api.media import limits, service, upload
from api.media.schemas import CarouselIn, MediaKind, MediaOut, MediaPage, MediaUpdate
from api.media.storage import get_storage
from api.workspaces.deps import ReadScope, WriteScope

router = APIRouter(
    prefix="/api/media", tags=["media"], responses=responses(Unauthorized, Forbidden, NotFound)
)

# The bytes of stored files are never run as a page (and, as the edge says on every answer,
# `X-Content-Type-Options: nosniff`: never sniffed into another type).
_FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
}

_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": f"{limits.ACCEPTED}; the type is read from the content",
                    },
                    "alt_text": {
                        "type": "string",
                        "maxLength": limits.ALT_TEXT_MAX_CHARS,
                        "description": "required for images: what it shows, for people who cannot see it",
                    },
                    "title": {
                        "type": "string",
                        "maxLength": limits.TITLE_MAX_CHARS,
                        "description": "documents: the title shown above it (default: the file name)",
                    },
                },
            }
        }
    },
}


def _media_response(asset_out: MediaOut, created: bool) -> JSONResponse:
    return JSONResponse(
        asset_out.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        headers={"Location": f"/api/media/{asset_out.id}"},
    )


@router.post(
    "",
    response_model=MediaOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        200: {"model": MediaOut, "description": "The same file was already in this workspace's library."},
        **responses(PayloadTooLarge, UnsupportedMediaType, Unprocessable),
    },
)
async def upload_media(request: Request, scope: WriteScope, session: SessionDep) -> JSONResponse:
    """Add an image (JPEG, PNG, GIF, WebP) or a PDF document to the workspace's library, as
    multipart/form-data: `file`, `alt_text` (required for images, at most 1,000 characters), `title`.

    The type is read from the content. The body is read as it arrives and reading stops at the limit: 413 past
    15 MB for an image or 100 MB for a PDF (naming the limit), 415 for any other type, 422 for a file that is
    empty, cut off, truncated or not what it starts as, an image over 36,152,320 pixels, or a PDF over 300
    pages. Images are stored without their metadata (EXIF, GPS, XMP, comments), turned upright first. The same
    file uploaded again in this workspace returns its existing asset (200)."""
    storage = get_storage()
    received = await upload.receive(request, storage.staging, service.limit_for)
    try:
        asset, created = await run_in_threadpool(
            service.ingest,
            session,
            scope,
            received.path,
            received.mime_type,
            alt_text=received.fields.get("alt_text"),
            title=received.fields.get("title"),
            filename=received.filename,
            storage=storage,
        )
        out = await run_in_threadpool(service.to_out, asset)
    finally:
        received.path.unlink(missing_ok=True)
    return _media_response(out, created)


@router.get("", response_model=MediaPage, responses=responses(Unprocessable))
def list_media(
    scope: ReadScope,
    session: SessionDep,
    kind: Annotated[MediaKind | None, Query(description="only images, or only documents")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> MediaPage:
    """The workspace's library, newest first, with the total that matched."""
    assets, total = service.list_media(session, scope, kind, limit, offset)
    return MediaPage(
        items=[service.to_out(asset) for asset in assets], total=total, limit=limit, offset=offset
    )


@router.post(
    "/carousels",
    response_model=MediaOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": MediaOut, "description": "The same carousel was already in this workspace's library."},
        **responses(Unprocessable),
    },
)
def create_carousel(body: CarouselIn, scope: WriteScope, session: SessionDep) -> JSONResponse:
    """Build a PDF carousel (square 1080 x 1080 pt pages, one per slide: 2 to 20) in the workspace's brand
    colours (or those given) and add it to the library as a document. Text is wrapped and shrunk to fit; a
    slide that cannot fit, a character the font cannot draw, or colours too close to read is a 422 naming
    the slide or field. The same carousel built again returns its existing asset (200)."""
    asset, created = service.create_carousel(session, scope, body)
    return _media_response(service.to_out(asset), created)


@router.get("/{media_id:uuid}", response_model=MediaOut)
def get_media(media_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> MediaOut:
    """One asset, with what keeps it from a post on each platform."""
    return service.to_out(service.get_media(session, scope, media_id))


@router.patch("/{media_id:uuid}", response_model=MediaOut, responses=responses(Unprocessable))
def update_media(media_id: uuid.UUID, body: MediaUpdate, scope: WriteScope, session: SessionDep) -> MediaOut:
    """Change the alt text (an image's cannot be removed) or the title."""
    return service.to_out(service.update_media(session, scope, media_id, body))


@router.delete("/{media_id:uuid}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(Conflict))
def delete_media(media_id: uuid.UUID, scope: WriteScope, session: SessionDep) -> Response:
    """Delete an asset; 409 naming the drafts it is attached to. Its file goes once no asset shows it."""
    service.delete_media(session, scope, media_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{media_id:uuid}/file",
    response_class=StreamingResponse,
    responses={200: {"content": {mime: {} for mime in limits.FORMATS}, "description": "The stored bytes."}},
)
def media_file(media_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> StreamingResponse:
    """The stored file (an image without its metadata, or the PDF), with its type and a file name."""
    found = service.open_file(session, scope, media_id)
    disposition = "attachment" if found.mime_type == "application/pdf" else "inline"
    return StreamingResponse(
        found.chunks,
        media_type=found.mime_type,
        headers={
            **_FILE_HEADERS,
            "Content-Length": str(found.byte_size),
            "Content-Disposition": _disposition(disposition, found.filename),
        },
    )


@router.get(
    "/{media_id:uuid}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}, "description": "At most 320 px on its longer side."}},
)
def media_thumbnail(media_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> Response:
    """A WebP thumbnail: an image's first frame, or a document's first page."""
    data = service.thumbnail(session, scope, media_id)
    return Response(data, media_type="image/webp", headers=_FILE_HEADERS)


@router.get(
    "/{media_id:uuid}/pages/{page}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "At most 1080 px on its longer side."}},
)
def media_page(
    media_id: uuid.UUID,
    page: Annotated[int, Path(ge=1, le=limits.DOCUMENT_MAX_PAGES, description="1 for the first page")],
    scope: ReadScope,
    session: SessionDep,
) -> Response:
    """A page of a PDF document (an upload or a carousel) as a PNG preview."""
    data = service.page_preview(session, scope, media_id, page)
    return Response(data, media_type="image/png", headers=_FILE_HEADERS)


def _disposition(kind: str, filename: str) -> str:
    """`inline; filename="a.jpg"; filename*=UTF-8''a.jpg`: an ASCII fallback and the exact name."""
    from urllib.parse import quote

    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
