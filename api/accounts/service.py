"""Connecting accounts (OAuth 2.0 as each platform's plugin says: X with PKCE, LinkedIn three-legged) and
keeping their tokens fresh.

`state` is a JWT signed with the API's key naming the user, the platform and a nonce; it expires after ten
minutes and its nonce row is deleted when used, so it works once. The callback is reached by the user's
browser, so it knows the user from the state alone. Tokens are stored encrypted and refreshed (under a row
lock: X's refresh tokens are single-use) shortly before they expire.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.accounts.models import ConnectedAccount, OAuthState
from api.core.config import Settings, get_settings
from api.core.crypto import decrypt, encrypt
from api.core.db import session_scope
from api.core.errors import BadRequest, Forbidden, ServiceUnavailable
from api.core.ownership import Scope, get_owned, owned_rows
from api.platforms import registry
from api.platforms.base import AuthRejected, Grant, PlatformError, TransientError, http_client, pkce_pair
from api.webhooks import service as webhooks
from api.workspaces import activity
from api.workspaces import service as workspaces

logger = logging.getLogger("postwright.accounts")

STATE_TTL = timedelta(minutes=10)
MAX_PENDING_STATES = 5
REFRESH_MARGIN = timedelta(minutes=2)
_STATE_AUDIENCE = "postwright:oauth-state"


def start_connect(session: Session, scope: Scope, platform: str, settings: Settings) -> str:
    """The platform's authorisation URL for connecting an account to the scope's workspace (the state, and
    the PKCE challenge where used)."""
    user_id = scope.user_id
    plugin = registry.get(platform)
    if (missing := plugin.missing_setting(settings)) is not None:
        raise ServiceUnavailable(
            f"Connecting {plugin.display_name} is not configured on this server: "
            f"set {missing} (and its secret).",
            retry_after=3600,
        )
    now = datetime.now(UTC)
    session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
    # A bounded number of pending authorisations per user: the oldest ones stop working first.
    stale = (
        select(OAuthState.nonce)
        .where(OAuthState.user_id == user_id)
        .order_by(OAuthState.expires_at.desc())
        .offset(MAX_PENDING_STATES - 1)
    )
    session.execute(delete(OAuthState).where(OAuthState.nonce.in_(stale)))
    with http_client(settings) as http:
        client = plugin.connect(settings, http)
        verifier, challenge = pkce_pair() if client.uses_pkce else (None, None)
        nonce = secrets.token_urlsafe(32)
        session.add(
            OAuthState(
                nonce=nonce,
                user_id=user_id,
                workspace_id=scope.workspace_id,
                platform=platform,
                code_verifier_encrypted=encrypt(verifier) if verifier else None,
                expires_at=now + STATE_TTL,
            )
        )
        state = jwt.encode(
            {
                "sub": str(user_id),
                "platform": platform,
                "nonce": nonce,
                "exp": now + STATE_TTL,
                "aud": _STATE_AUDIENCE,
            },
            settings.jwt_signing_key(),
            algorithm=settings.jwt_algorithm,
        )
        return client.authorization_url(state, challenge)


def _consume_state(session: Session, platform: str, state: str, settings: Settings) -> OAuthState:
    try:
        claims = jwt.decode(
            state, settings.jwt_signing_key(), algorithms=[settings.jwt_algorithm], audience=_STATE_AUDIENCE
        )
    except jwt.PyJWTError as exc:
        raise Forbidden("The state is invalid or has expired; start connecting again.") from exc
    if claims.get("platform") != platform:
        raise Forbidden("The state was issued for another platform; start connecting again.")
    row: OAuthState | None = session.scalar(
        delete(OAuthState)
        .where(OAuthState.nonce == str(claims.get("nonce")), OAuthState.expires_at > datetime.now(UTC))
        .returning(OAuthState)
    )
    # Used once, whatever happens next: the deletion is committed before the platform is called.
    session.commit()
    if row is None or str(row.user_id) != claims.get("sub"):
        raise Forbidden("This authorisation was already used or has expired; start connecting again.")
    if workspaces.role_of(session, row.workspace_id, row.user_id) != "owner":
        raise Forbidden("You no longer manage the workspace this account was being connected to.")
    return row


def complete_connect(
    session: Session, platform: str, code: str | None, state: str, error: str | None, settings: Settings
) -> ConnectedAccount:
    """Exchange the code for tokens, identify the member and store (or replace) the connection."""
    pending = _consume_state(session, platform, state, settings)
    if error is not None or not code:
        raise Forbidden(f"The platform did not authorise the connection: {error or 'no code was returned'}.")
    verifier = decrypt(pending.code_verifier_encrypted) if pending.code_verifier_encrypted else None
    with http_client(settings) as http:
        client = registry.get(platform).connect(settings, http)
        try:
            grant = client.exchange_code(code, verifier)
            identity = client.identity(grant.access_token)
        except TransientError as exc:
            raise ServiceUnavailable(f"The platform is not answering: {exc.reason}", retry_after=30) from exc
        except PlatformError as exc:
            raise BadRequest(f"The platform refused the authorisation: {exc.reason}") from exc
    account = session.scalar(
        select(ConnectedAccount)
        .where(ConnectedAccount.workspace_id == pending.workspace_id, ConnectedAccount.platform == platform)
        .with_for_update()
    )
    if account is None:
        account = ConnectedAccount(
            workspace_id=pending.workspace_id, user_id=pending.user_id, platform=platform
        )
        session.add(account)
    account.external_user_id, account.handle = identity.external_user_id, identity.handle
    _store_grant(account, grant)
    account.status, account.last_error = "active", None
    session.flush()
    activity.record(
        session, pending.workspace_id, pending.user_id, "connected", "account", account.id, platform=platform
    )
    logger.info("account connected", extra={"user_id": str(pending.user_id), "platform": platform})
    return account


def _store_grant(account: ConnectedAccount, grant: Grant) -> None:
    account.access_token_encrypted = encrypt(grant.access_token)
    account.refresh_token_encrypted = encrypt(grant.refresh_token) if grant.refresh_token else None
    account.token_expires_at = grant.expires_at
    account.scopes = grant.scopes


def list_accounts(session: Session, scope: Scope) -> list[ConnectedAccount]:
    return list(session.scalars(owned_rows(ConnectedAccount, scope).order_by(ConnectedAccount.platform)))


def disconnect(session: Session, scope: Scope, account_id: uuid.UUID) -> None:
    """Forget the connection and its tokens (another workspace's account is a 404)."""
    account = get_owned(session, ConnectedAccount, scope, account_id, "connected account")
    activity.record(session, scope.workspace_id, scope.user_id, "disconnected", "account", account.id)
    session.delete(account)
    session.flush()


def mark_needs_reauth(account_id: uuid.UUID, reason: str) -> None:
    """The grant is revoked or expired: say so on the API and to the user's webhooks."""
    with session_scope() as session:
        account = session.get(ConnectedAccount, account_id, with_for_update=True)
        if account is None or account.status == "needs_reauth":
            return
        account.status, account.last_error = "needs_reauth", reason
        webhooks.emit(
            session,
            account.workspace_id,
            "account.needs_reauth",
            {"account_id": str(account.id), "platform": account.platform, "reason": reason},
        )
    logger.warning("account needs reauthorisation", extra={"account_id": str(account_id), "reason": reason})


def fresh_access_token(account_id: uuid.UUID, http: httpx.Client, *, force: bool = False) -> str:
    """A usable access token: refreshed first when it is about to expire (or `force`, after a 401).

    AuthRejected when the grant cannot be refreshed; the account is then marked `needs_reauth`."""
    settings = get_settings()
    with session_scope() as session:
        account = session.get(ConnectedAccount, account_id, with_for_update=True)
        if account is None:
            raise AuthRejected("the account was disconnected")
        if account.status == "needs_reauth":
            raise AuthRejected(account.last_error or "the account needs reconnecting")
        expiring = account.token_expires_at is not None and account.token_expires_at < (
            datetime.now(UTC) + REFRESH_MARGIN
        )
        if not (force or expiring):
            return decrypt(account.access_token_encrypted)
        if account.refresh_token_encrypted is None:
            reason = "the access token expired and the platform gave no refresh token; reconnect the account"
        else:
            try:
                grant = (
                    registry.get(account.platform)
                    .connect(settings, http)
                    .refresh(decrypt(account.refresh_token_encrypted))
                )
            except AuthRejected as exc:
                reason = exc.reason
            else:
                _store_grant(account, grant)
                return grant.access_token
    mark_needs_reauth(account_id, f"{reason}; reconnect the account")
    raise AuthRejected(f"{reason}; reconnect the account")
