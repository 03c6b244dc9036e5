"""/api/users/tone-analysis and /api/users/analyze-posts: the user's voice as the tone model sees it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from api.core.errors import Conflict, NotFound, ServiceUnavailable, Unauthorized, responses
from api.deps import CurrentUser, SessionDep
from api.voice import service
from api.voice.schemas import AnalysisRunAccepted, AnalysisRunStatus, ToneAnalysisOut

router = APIRouter(prefix="/api/users", tags=["voice"], responses=responses(Unauthorized))


@router.get("/tone-analysis", response_model=ToneAnalysisOut, responses=responses(NotFound))
def get_tone_analysis(user: CurrentUser, session: SessionDep) -> ToneAnalysisOut:
    """Your primary tone, tone distribution, style keywords and phrases, sentence and emoji habits."""
    return service.to_response(service.get_tone_analysis(session, user.id))


@router.post(
    "/analyze-posts",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AnalysisRunAccepted,
    responses=responses(Conflict, ServiceUnavailable),
)
def analyze_posts(user: CurrentUser, session: SessionDep, request: Request) -> AnalysisRunAccepted:
    """Start a new analysis of your posts; poll `status_url` until it is done (409 without posts)."""
    flow_run_id = service.request_tone_analysis(session, user.id)
    return AnalysisRunAccepted(
        flow_run_id=flow_run_id,
        status_url=str(request.url_for("get_tone_analysis_run", flow_run_id=flow_run_id).path),
        tone_analysis_url=str(request.url_for("get_tone_analysis").path),
    )


@router.get(
    "/tone-analysis/runs/{flow_run_id}", response_model=AnalysisRunStatus, responses=responses(NotFound)
)
def get_tone_analysis_run(flow_run_id: uuid.UUID, user: CurrentUser) -> AnalysisRunStatus:
    """Where one of your analysis runs stands (scheduled, running, completed or failed with the reason)."""
    return service.analysis_run_status(user.id, flow_run_id)
