"""POST /api/content/generate: drafts in your own voice."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from api.content.schemas import DraftOut
from api.core import idempotency
from api.core.errors import Conflict, NotFound, ServiceUnavailable, Unauthorized, Unprocessable, responses
from api.deps import CurrentUser, IdempotencyKey, SessionDep
from api.generation import service
from api.generation.schemas import GenerateIn, GenerateOut, VoiceMatchIn, VoiceMatchOut

router = APIRouter(prefix="/api/content", tags=["generation"], responses=responses(Unauthorized))


@router.post(
    "/generate",
    status_code=status.HTTP_201_CREATED,
    response_model=GenerateOut,
    responses=responses(NotFound, Conflict, Unprocessable, ServiceUnavailable),
)
def generate(
    body: GenerateIn, user: CurrentUser, session: SessionDep, key: IdempotencyKey = None
) -> GenerateOut | JSONResponse:
    """Write `variants` posts about `topic` in your voice with the configured LLM. Each passed the platform's
    rules and the output checks (repaired or regenerated otherwise); they are stored as drafts and returned
    best first: half predicted engagement percentile, half voice match. 503 with Retry-After when the LLM is
    unreachable or slow; then nothing is stored."""
    print_ = idempotency.fingerprint("POST /api/content/generate", body.model_dump_json().encode())
    if (stored := idempotency.replay(session, user.id, key, print_)) is not None:
        return JSONResponse(stored.body, status_code=stored.status_code)
    drafts = service.generate(session, user, body)
    out = GenerateOut(drafts=[DraftOut.model_validate(draft) for draft in drafts])
    idempotency.remember(session, user.id, key, print_, status.HTTP_201_CREATED, out.model_dump(mode="json"))
    return out


@router.post("/voice-match", response_model=VoiceMatchOut, responses=responses(Conflict, Unprocessable))
def voice_match(body: VoiceMatchIn, user: CurrentUser, session: SessionDep) -> VoiceMatchOut:
    """How much a text sounds like you: a score calibrated on your own newest posts, the posts it is closest
    to, and how it differs from your habits. 409 with fewer than 10 posts on that platform."""
    return service.voice_match(session, user, body.platform, body.content)
