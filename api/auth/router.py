"""/api/auth: register, login (JSON and OAuth2 form), refresh, logout."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import ValidationError

from api.auth import service
from api.auth.schemas import LoginIn, RefreshIn, RegisterIn, SessionOut, TokenPair, UserOut
from api.core.config import Settings
from api.core.errors import Conflict, TooManyRequests, Unauthorized, Unprocessable, responses
from api.core.ratelimit import client_address
from api.deps import RateLimiterDep, SessionDep, SettingsDep

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


# The web app's session: the refresh token lives in an HttpOnly cookie that only these three endpoints ever
# receive (its path), out of reach of any script on the page; the access token stays in the page's memory.
# SameSite=Strict keeps other sites from spending it; rotation and reuse detection are the JSON flow's.
SESSION_PATH = "/api/auth/session"
SESSION_COOKIE = "pw_refresh"
# A flag the page can read (no secret in it): without it the app knows there is no session to resume and
# shows the sign-in page without asking the server (no 401 on every signed-out visit).
SESSION_FLAG = "pw_session"


def _set_session_cookie(response: Response, settings: Settings, tokens: service.IssuedTokens) -> SessionOut:
    response.set_cookie(
        SESSION_COOKIE,
        tokens.refresh_token,
        max_age=tokens.refresh_expires_in,
        path=SESSION_PATH,
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        SESSION_FLAG,
        "1",
        max_age=tokens.refresh_expires_in,
        path="/",
        secure=settings.session_cookie_secure,
        httponly=False,
        samesite="strict",
    )
    return SessionOut(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_expires_in=tokens.refresh_expires_in,
    )


def _clear_session_cookies(response: Response, settings: Settings) -> None:
    secure = settings.session_cookie_secure
    response.delete_cookie(SESSION_COOKIE, path=SESSION_PATH, secure=secure, httponly=True, samesite="strict")
    response.delete_cookie(SESSION_FLAG, path="/", secure=secure, httponly=False, samesite="strict")


def _signed_out(error: Unauthorized, settings: Settings) -> JSONResponse:
    """The 401 as the error handler renders it, with the session cookies removed."""
    response = JSONResponse(
        {"error": error.code, "detail": error.detail}, status_code=error.status_code, headers=error.headers
    )
    _clear_session_cookies(response, settings)
    return response


SessionCookie = Annotated[str | None, Cookie(alias=SESSION_COOKIE, include_in_schema=False)]


@router.post(
    "/session", response_model=SessionOut, responses=responses(Unauthorized, Unprocessable, TooManyRequests)
)
def open_session(
    body: LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> SessionOut:
    """Sign in for the web app: the access token in the body, the refresh token in an HttpOnly,
    SameSite=Strict cookie scoped to this path. The same limits as `/login`."""
    pair = _login(body.email, body.password, request, session, settings, limiter)
    tokens = service.IssuedTokens(
        pair.access_token, pair.refresh_token, pair.expires_in, pair.refresh_expires_in
    )
    return _set_session_cookie(response, settings, tokens)


@router.post(
    "/session/refresh", response_model=SessionOut, responses=responses(Unauthorized, TooManyRequests)
)
def refresh_session(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    cookie: SessionCookie = None,
) -> SessionOut | JSONResponse:
    """Spend the session cookie for a new access token and a new cookie (rotated). Without a valid cookie:
    401, and the cookie is removed."""
    limiter.hit(settings.rate_limit_refresh_per_ip, "refresh", client_address(request, settings))
    if not cookie or len(cookie) > 512:
        return _signed_out(Unauthorized("No session: sign in."), settings)
    try:
        tokens = service.rotate(session, settings, cookie)
    except service.RefreshTokenReused as error:
        session.commit()  # the revocation must survive the error response
        return _signed_out(error, settings)
    except Unauthorized as error:
        return _signed_out(error, settings)
    return _set_session_cookie(response, settings, tokens)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT, responses=responses(TooManyRequests))
def close_session(
    request: Request, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep,
    cookie: SessionCookie = None,
) -> Response:  # fmt: skip
    """Sign out of the web app: the session's refresh token (and every one rotated from it) is revoked and
    the cookie removed. Always 204, signed in or not."""
    limiter.hit(settings.rate_limit_refresh_per_ip, "refresh", client_address(request, settings))
    if cookie and len(cookie) <= 512:
        with contextlib.suppress(Unauthorized):  # an unknown cookie: nothing to revoke
            service.logout(session, cookie)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_session_cookies(response, settings)
    return response
