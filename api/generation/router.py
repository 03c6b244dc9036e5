"""POST /api/content/generate: drafts in your own voice, at once or as a job to follow."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status
from fastapi.responses import JSONResponse

from api.content.schemas import DraftOut
from api.core import idempotency
from api.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    responses,
)
from api.deps import CurrentUser, IdempotencyKey, SessionDep
from api.generation import jobs, service
from api.generation.schemas import (
    GenerateIn,
    GenerateOut,
    GenerationJobOut,
    VoiceMatchIn,
    VoiceMatchOut,
    VoiceProfileOut,
)
from api.platforms.registry import PlatformName
from api.workspaces.deps import ReadScope, WriteScope

router = APIRouter(
    prefix="/api/content", tags=["generation"], responses=responses(Unauthorized, Forbidden, NotFound)
)


@router.post(
    "/generate",
    status_code=status.HTTP_201_CREATED,
    response_model=GenerateOut,
    responses=responses(NotFound, Conflict, Unprocessable, ServiceUnavailable),
)
def generate(
    body: GenerateIn, scope: WriteScope, session: SessionDep, key: IdempotencyKey = None
) -> GenerateOut | JSONResponse:
    """Write `variants` posts about `topic` in your voice with the configured LLM. Each passed the platform's
    rules and the output checks (repaired or regenerated otherwise); they are stored as drafts and returned
    best first: half predicted engagement percentile, half voice match. 503 with Retry-After when the LLM is
    unreachable or slow; then nothing is stored."""
    print_ = idempotency.fingerprint("POST /api/content/generate", body.model_dump_json().encode())
    if (stored := idempotency.replay(session, scope.user_id, key, print_)) is not None:
        return JSONResponse(stored.body, status_code=stored.status_code)
    drafts = service.generate(session, scope, body)
    out = GenerateOut(drafts=[DraftOut.model_validate(draft) for draft in drafts])
    idempotency.remember(
        session, scope.user_id, key, print_, status.HTTP_201_CREATED, out.model_dump(mode="json")
    )
    return out


RunnerDep = Annotated[jobs.Runner, Depends(jobs.get_runner)]

_JOB_ACCEPTED: dict[int | str, dict[str, Any]] = {
    status.HTTP_202_ACCEPTED: {
        "headers": {
            "Location": {
                "description": "the job, to poll: /api/content/generate/jobs/{id}",
                "required": True,
                "schema": {"type": "string"},
            }
        }
    }
}


@router.post(
    "/generate/jobs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=GenerationJobOut,
    responses=_JOB_ACCEPTED | responses(NotFound, Conflict, Unprocessable, ServiceUnavailable),
)
def start_generation_job(
    body: GenerateIn,
    scope: WriteScope,
    session: SessionDep,
    runner: RunnerDep,
    background: BackgroundTasks,
    request: Request,
    response: Response,
    key: IdempotencyKey = None,
) -> GenerationJobOut | JSONResponse:
    """Start the same generation as `POST /api/content/generate` and follow it at `Location`: each
    variant shows in `drafts` as soon as it is stored. What can be refused up front is, with the same
    404/409/503; the LLM's own failures come later, as the job's `error`. With an `Idempotency-Key`, a
    retry returns the same job (as it is now) and starts nothing twice."""
    print_ = idempotency.fingerprint("POST /api/content/generate/jobs", body.model_dump_json().encode())
    if (stored := idempotency.replay(session, scope.user_id, key, print_)) is not None:
        job = jobs.get_owned(session, scope, uuid.UUID(stored.body["id"]))
        return JSONResponse(
            jobs.to_out(session, job).model_dump(mode="json"),
            status_code=stored.status_code,
            headers={"Location": _job_path(request, job.id)},
        )
    job = jobs.create(session, scope, body, runner)
    out = jobs.to_out(session, job)
    idempotency.remember(
        session, scope.user_id, key, print_, status.HTTP_202_ACCEPTED, out.model_dump(mode="json")
    )
    # A background task runs after the response is sent, so after the commit: the worker finds the job.
    background.add_task(runner.submit, job.id)
    response.headers["Location"] = _job_path(request, job.id)
    return out


@router.get("/generate/jobs/{job_id}", response_model=GenerationJobOut, responses=responses(NotFound))
def get_generation_job(job_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> GenerationJobOut:
    """One of your generation jobs: its status, the drafts stored so far and, once failed, the error
    (another user's job is a 404)."""
    return jobs.to_out(session, jobs.get_owned(session, scope, job_id))


def _job_path(request: Request, job_id: uuid.UUID) -> str:
    return str(request.url_for("get_generation_job", job_id=job_id).path)


@router.post("/voice-match", response_model=VoiceMatchOut, responses=responses(Conflict, Unprocessable))
def voice_match(body: VoiceMatchIn, user: CurrentUser, session: SessionDep) -> VoiceMatchOut:
    """How much a text sounds like you: a score calibrated on your own newest posts, the posts it is closest
    to, how it differs from your habits, and which of your styles it reads like (a team account's writers
    form several). 409 with fewer than 10 posts on that platform."""
    return service.voice_match(session, user, body.platform, body.content)


@router.get("/voice-profile", response_model=VoiceProfileOut, responses=responses(Conflict, Unprocessable))
def voice_profile(platform: PlatformName, user: CurrentUser, session: SessionDep) -> VoiceProfileOut:
    """What your voice profile on a platform is made of: how many styles it holds (an account with several
    writers has several), each one's share of your posts, its characteristic phrases and typical posts.
    409 with fewer than 10 posts on that platform."""
    return service.describe_voice_profile(session, user, platform)
