"""/api/content/predict and /api/users/engagement-model: how a draft will do, and with which model."""

from __future__ import annotations

from fastapi import APIRouter

from api.core.errors import Conflict, ServiceUnavailable, Unauthorized, Unprocessable, responses
from api.deps import CurrentUser, SessionDep
from api.engagement import service
from api.engagement.schemas import EngagementModelOut, PredictIn, PredictOut

router = APIRouter(prefix="/api", tags=["engagement"], responses=responses(Unauthorized))


@router.post(
    "/content/predict",
    response_model=PredictOut,
    responses=responses(Conflict, Unprocessable, ServiceUnavailable),
)
def predict(body: PredictIn, user: CurrentUser, session: SessionDep) -> PredictOut:
    """Expected engagements of a draft relative to your own history, an 80% interval, the reasons and
    suggestions. 409 with too little history on that platform, 503 while no model exists yet."""
    return service.predict_draft(
        session, user, body.platform, body.content, body.scheduled_for, body.candidate_times, body.media_type
    )


@router.get("/users/engagement-model", response_model=EngagementModelOut)
def engagement_model(user: CurrentUser, session: SessionDep) -> EngagementModelOut:
    """Whether engagement predictions are available for you and why not, the model and its test metrics."""
    return service.model_status(session, user)
