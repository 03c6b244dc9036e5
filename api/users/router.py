"""/api/users: the signed-in user's profile, onboarding, data export and account erasure."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import StreamingResponse

from api.auth.schemas import UserOut
from api.core.errors import (
    Conflict,
    Forbidden,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    responses,
)
from api.deps import CurrentUser, RateLimiterDep, SessionDep, SettingsDep, StreamingSessionDep
from api.users import service
from api.users.schemas import (
    DeleteAccountIn,
    EmailConfirmIn,
    OnboardingIn,
    ProfileUpdate,
    UserExport,
)

router = APIRouter(prefix="/api/users", tags=["users"], responses=responses(Unauthorized))


@router.get("/profile", response_model=UserOut)
def get_profile(user: CurrentUser) -> UserOut:
    """The signed-in user's profile."""
    return UserOut.model_validate(user)


@router.put(
    "/profile",
    response_model=UserOut,
    responses=responses(Conflict, Unprocessable, TooManyRequests, ServiceUnavailable),
)
def update_profile(
    body: ProfileUpdate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> UserOut:
    """Partial update; unknown fields are rejected. Changing email or password needs `current_password`
    (a few wrong tries a minute, then 429). A new email becomes `pending_email` until the link sent to it
    is used (`POST /api/users/email/confirm`); the answer is the same whether or not the address is free."""
    return UserOut.model_validate(service.update_profile(session, settings, user, body, limiter))


@router.post(
    "/email/confirm",
    response_model=UserOut,
    responses=responses(Forbidden, Conflict, Unprocessable),
    openapi_extra={"security": []},
)
def confirm_email(body: EmailConfirmIn, session: SessionDep) -> UserOut:
    """Confirm a new e-mail address with the token sent to it (no sign-in needed: the link may be opened
    anywhere). A used, expired or unknown token is a 403; an address taken meanwhile, a 409."""
    return UserOut.model_validate(service.confirm_email_change(session, body.token))


@router.delete(
    "/profile",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(Unauthorized, Conflict, Unprocessable, TooManyRequests),
)
def delete_account(
    body: DeleteAccountIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> Response:
    """Erase the account and everything it owns (posts, drafts, schedules, analyses, sessions). In team
    workspaces what it made passes to an owner; the last owner of a team with other members gets a 409."""
    service.erase(session, user, body.password, settings, limiter)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/onboarding", response_model=UserOut, responses=responses(Unprocessable))
def onboarding(body: OnboardingIn, user: CurrentUser, session: SessionDep) -> UserOut:
    """Tell Postwright who you write as: company, role, niche, tone, platforms, goals and time zone."""
    return UserOut.model_validate(service.onboard(session, user, body))


@router.get(
    "/export",
    response_model=UserExport,
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserExport"}}}}
    },
)
def export(user: CurrentUser, session: StreamingSessionDep) -> StreamingResponse:
    """Everything stored about you, as one JSON document, streamed as it is read (flat memory for any
    history size)."""
    return StreamingResponse(
        service.export_chunks(session, user),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="postwright-export.json"'},
    )
