"""/api/auth: register, login (JSON and OAuth2 form), refresh, logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import ValidationError

from api.auth import service
from api.auth.schemas import LoginIn, RefreshIn, RegisterIn, TokenPair
from api.core.errors import Conflict, TooManyRequests, Unauthorized, Unprocessable, responses
from api.core.ratelimit import client_address
from api.deps import RateLimiterDep, SessionDep, SettingsDep
from api.users.schemas import UserOut

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _pair(tokens: service.IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        refresh_expires_in=tokens.refresh_expires_in,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=responses(Conflict, Unprocessable, TooManyRequests),
)
def register(
    body: RegisterIn, request: Request, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep
) -> UserOut:
    """Create an account. The password is stored as an argon2 hash and never returned."""
    limiter.hit(settings.rate_limit_register_per_ip, "register", client_address(request, settings))
    user = service.register(session, settings, email=body.email, password=body.password, name=body.name)
    return UserOut.model_validate(user)


def _login(
    email: str,
    password: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPair:
    address = client_address(request, settings)
    limiter.hit(settings.rate_limit_login_per_ip, "login", address)
    account = "account:" + service.normalise_email(email)
    # Only failures count per account, and per account *and* address: wrong passwords sent from elsewhere
    # do not lock the owner out; a wide limit across addresses still slows distributed guessing.
    limiter.check(settings.rate_limit_login_per_account, "login", f"{account}|{address}")
    limiter.check(settings.rate_limit_login_failures_per_account, "login", account)
    try:
        user = service.authenticate(session, email=email, password=password)
    except Unauthorized:
        limiter.record(settings.rate_limit_login_per_account, "login", f"{account}|{address}")
        limiter.record(settings.rate_limit_login_failures_per_account, "login", account)
        raise
    return _pair(service.issue_tokens(session, settings, user))


@router.post(
    "/login", response_model=TokenPair, responses=responses(Unauthorized, Unprocessable, TooManyRequests)
)
def login(
    body: LoginIn, request: Request, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep
) -> TokenPair:
    """Exchange email and password for an access token (short-lived JWT) and a refresh token."""
    return _login(body.email, body.password, request, session, settings, limiter)


@router.post(
    "/token", response_model=TokenPair, responses=responses(Unauthorized, Unprocessable, TooManyRequests)
)
def login_form(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPair:
    """The same login as an OAuth2 password form (username = email), for Swagger's Authorize button."""
    try:
        credentials = LoginIn(email=form.username, password=form.password)
    except ValidationError as exc:
        raise Unprocessable(
            [
                {
                    "loc": ["body", err["loc"][0] if err["loc"][0] == "password" else "username"],
                    "msg": err["msg"],
                }
                for err in exc.errors()
            ]
        ) from exc
    return _login(credentials.email, credentials.password, request, session, settings, limiter)


@router.post("/refresh", response_model=TokenPair, responses=responses(Unauthorized, TooManyRequests))
def refresh(
    body: RefreshIn, request: Request, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep
) -> TokenPair:
    """Spend a refresh token for a new pair. A spent token presented again signs out its whole login."""
    limiter.hit(settings.rate_limit_refresh_per_ip, "refresh", client_address(request, settings))
    try:
        return _pair(service.rotate(session, settings, body.refresh_token))
    except service.RefreshTokenReused:
        session.commit()  # the revocation must survive the error response
        raise


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, responses=responses(Unauthorized, TooManyRequests)
)
def logout(
    body: RefreshIn, request: Request, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep
) -> Response:
    """Revoke this login: its refresh token and every token rotated from it stop working."""
    limiter.hit(settings.rate_limit_refresh_per_ip, "refresh", client_address(request, settings))
    service.logout(session, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
