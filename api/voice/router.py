"""/api/users/tone-analysis and /api/users/analyze-posts: the user's voice as the tone model sees it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from api.core.errors import Conflict, NotFound, ServiceUnavailable, Unauthorized, responses
from api.deps import CurrentUser, SessionDep
from api.voice import service
from api.voice import status as analysis_status
from api.voice.schemas import AnalysisRunAccepted, AnalysisRunStatus, ToneAnalysisOut, ToneAnalysisStatusOut

router = APIRouter(prefix="/api/users", tags=["voice"], responses=responses(Unauthorized))


@router.get("/tone-analysis", response_model=ToneAnalysisOut, responses=responses(NotFound))
def get_tone_analysis(user: CurrentUser, session: SessionDep) -> ToneAnalysisOut:
    """Your primary tone, tone distribution, style keywords and phrases, sentence and emoji habits. Until
    the first one is stored, a 404 says where things stand: `analysis_pending` with what the analysis on
    its way is doing (for instance waiting for the first tone model of a fresh install), else why not."""
    return service.to_response(service.get_tone_analysis(session, user.id))


@router.post(
    "/analyze-posts",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AnalysisRunAccepted,
    responses=responses(Conflict, ServiceUnavailable),
)
def analyze_posts(user: CurrentUser, session: SessionDep, request: Request) -> AnalysisRunAccepted:
    """Start a new analysis of your posts; poll `status_url` until it is done (409 without posts). Before
    the first tone model exists the run is accepted all the same and waits for it."""
    run = service.request_tone_analysis(session, user.id)
    return AnalysisRunAccepted(
        flow_run_id=run.flow_run_id,
        status_url=_status_url(request, run.flow_run_id),
        tone_analysis_url=str(request.url_for("get_tone_analysis").path),
        analysis_status=run.status,
        detail=run.detail,
    )


@router.get("/tone-analysis/status", response_model=ToneAnalysisStatusOut)
def get_tone_analysis_status(user: CurrentUser, session: SessionDep) -> ToneAnalysisStatusOut:
    """Where your voice analysis stands (none, queued, waiting for the first tone model, running, ready or
    failed), always a 200: what a page polls while an analysis is on its way."""
    return analysis_status.analysis_status(session, user.id)


@router.get(
    "/tone-analysis/runs/{flow_run_id}",
    response_model=AnalysisRunStatus,
    responses=responses(NotFound, ServiceUnavailable),
)
def get_tone_analysis_run(
    flow_run_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> AnalysisRunStatus:
    """Where one of your analysis runs stands (scheduled, running, completed or failed with the reason).
    An id that is not one of your runs is a 404 at once; 503 with Retry-After while the orchestrator
    (Prefect) does not answer."""
    return service.analysis_run_status(session, user.id, flow_run_id)


def _status_url(request: Request, flow_run_id: uuid.UUID) -> str:
    return str(request.url_for("get_tone_analysis_run", flow_run_id=flow_run_id).path)
