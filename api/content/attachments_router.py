"""/api/content/drafts/{draft_id}/media: a draft's attachments from the media library (the rules are in
api.content.attachments)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.content import attachments
from api.content.attachments import AttachmentList, AttachmentsIn
from api.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, responses
from api.deps import SessionDep
from api.workspaces.deps import ReadScope, WriteScope

router = APIRouter(
    prefix="/api/content/drafts", tags=["content"], responses=responses(Unauthorized, Forbidden, NotFound)
)


@router.get("/{draft_id:uuid}/media", response_model=AttachmentList)
def list_draft_media(draft_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> AttachmentList:
    """The draft's attachments in order, each with its part (the post of a thread it goes with)."""
    return AttachmentList(items=attachments.list_attachments(session, scope, draft_id))


@router.put(
    "/{draft_id:uuid}/media", response_model=AttachmentList, responses=responses(Conflict, Unprocessable)
)
def replace_draft_media(
    draft_id: uuid.UUID, body: AttachmentsIn, scope: WriteScope, session: SessionDep
) -> AttachmentList:
    """Replace the draft's attachments with these, in this order (`[]` removes them all). Each `media_id` is
    an asset of this workspace's library (404 otherwise); `part` is the post of a thread (0: the first or
    only post). The platform's rules apply: on X up to 4 images per post (or one animated GIF alone),
    images only, each within X's size limits; on LinkedIn 1 to 20 images, or exactly one document with a
    title, not both. Each broken rule is a 422 at `body.items[i]` naming the limit; a published draft, or one
    being published now, is a 409."""
    return AttachmentList(items=attachments.replace_attachments(session, scope, draft_id, body))
