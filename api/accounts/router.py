"""/api/accounts: connect a registered platform (OAuth 2.0), list and disconnect the connections."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.accounts import service
from api.accounts.schemas import AccountList, AccountOut, ConnectOut
from api.core.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    responses,
)
from api.deps import SessionDep, SettingsDep
from api.platforms.registry import PlatformParam
from api.workspaces.deps import AdminScope, ReadScope

router = APIRouter(prefix="/api/accounts", tags=["accounts"])


@router.get("", response_model=AccountList, responses=responses(Unauthorized, NotFound))
def list_accounts(scope: ReadScope, session: SessionDep) -> AccountList:
    """Your connected accounts: platform, handle and status (`needs_reauth` when you must connect again)."""
    return AccountList(items=[AccountOut.model_validate(a) for a in service.list_accounts(session, scope)])


@router.get(
    "/{platform}/connect",
    response_model=ConnectOut,
    responses=responses(Unauthorized, Forbidden, NotFound, Unprocessable, ServiceUnavailable),
)
def connect(
    platform: PlatformParam, scope: AdminScope, session: SessionDep, settings: SettingsDep
) -> ConnectOut:
    """Start connecting a platform (OAuth 2.0; with PKCE where the platform uses it, as X does): open
    `authorization_url` in the user's browser.
    Its `state` is signed, single-use and expires in 10 minutes. 503 when the server has no client id for
    the platform."""
    url = service.start_connect(session, scope, platform, settings)
    return ConnectOut(authorization_url=url)


@router.get(
    "/{platform}/callback",
    response_model=AccountOut,
    responses=responses(BadRequest, Forbidden, Unprocessable, ServiceUnavailable),
)
def callback(
    platform: PlatformParam,
    session: SessionDep,
    settings: SettingsDep,
    state: Annotated[str, Query(min_length=1, max_length=4096)],
    code: Annotated[str | None, Query(min_length=1, max_length=4096)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> AccountOut:
    """Where the platform sends the user's browser back. The user is known from `state` (no bearer token);
    the code is exchanged for tokens, stored encrypted. A used, expired or forged state, or a refusal by the
    user, is a 403; a code the platform does not accept is a 400."""
    account = service.complete_connect(session, platform, code, state, error, settings)
    return AccountOut.model_validate(account)


@router.delete(
    "/{account_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(Unauthorized, Forbidden, NotFound),
)
def disconnect(account_id: uuid.UUID, scope: AdminScope, session: SessionDep) -> Response:
    """Disconnect an account and forget its tokens. Scheduled posts for it fail until you connect again."""
    service.disconnect(session, scope, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
