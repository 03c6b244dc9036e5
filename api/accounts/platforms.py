"""X and LinkedIn as the publisher needs them: OAuth 2.0 grants, identity, posting, lookup and metrics.

Every endpoint comes from settings, so tests and staging setups point them at their own servers. Errors are
classified once, here: `TransientError` (429 with the platform's reset, 5xx, network: try again later),
`AuthRejected` (401: refresh the token, then give up), `PermanentError` (anything else the platform refused,
with its reason in plain words).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlencode

import httpx
from oauthlib.oauth2 import WebApplicationClient

from api.core.config import Settings

PlatformName = Literal["twitter", "linkedin"]


class PlatformError(Exception):
    """The platform refused or could not be reached; `reason` is for the user."""

    def __init__(self, reason: str, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


class TransientError(PlatformError):
    """Worth trying again: after `retry_after` seconds when the platform said so."""

    def __init__(self, reason: str, http_status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason, http_status)
        self.retry_after = retry_after


class PermanentError(PlatformError):
    """Trying again will not help (forbidden, duplicate, too long...)."""


class AuthRejected(PlatformError):
    """The access token was refused (401), or the grant itself is revoked or expired."""


@dataclass(frozen=True)
class Grant:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scopes: str | None


@dataclass(frozen=True)
class Identity:
    external_user_id: str
    handle: str


@dataclass(frozen=True)
class RemotePost:
    id: str
    text: str


class PlatformClient(Protocol):
    platform: PlatformName
    uses_pkce: bool

    def authorization_url(self, state: str, code_challenge: str | None) -> str: ...
    def exchange_code(self, code: str, code_verifier: str | None) -> Grant: ...
    def refresh(self, refresh_token: str) -> Grant: ...
    def identity(self, access_token: str) -> Identity: ...
    def create_post(self, access_token: str, author_id: str, text: str, reply_to: str | None) -> str: ...
    def recent_posts(self, access_token: str, author_id: str, since: datetime) -> list[RemotePost]: ...
    def comment(self, access_token: str, author_id: str, post_id: str, text: str) -> None: ...
    def post_url(self, handle: str, post_id: str) -> str: ...
    def metrics(self, access_token: str, post_ids: list[str]) -> dict[str, dict[str, int]]: ...


def redirect_uri(settings: Settings, platform: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/api/accounts/{platform}/callback"


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""
    client = WebApplicationClient(None)
    verifier = client.create_code_verifier(64)
    return verifier, client.create_code_challenge(verifier, "S256")


def normalise_text(text: str) -> str:
    """Text as platforms give it back: links shortened, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"https?://\S+", "", text)).strip().casefold()


def _retry_after(response: httpx.Response) -> float | None:
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.isdigit():
        return max(0.0, int(reset) - time.time())
    after = response.headers.get("retry-after")
    if after and after.isdigit():
        return float(after)
    return None


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "message", "error_description", "title", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])[:300]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or errors[0])[:300]
    return str(body)[:300]


def check(response: httpx.Response, what: str) -> httpx.Response:
    """The response when it succeeded, else the classified error."""
    if response.is_success:
        return response
    reason = f"{what}: {response.status_code} {_reason(response)}"
    if response.status_code == 429:
        return_after = _retry_after(response)
        raise TransientError(f"{what}: rate limited by the platform", 429, return_after)
    if response.status_code >= 500:
        raise TransientError(reason, response.status_code, _retry_after(response))
    if response.status_code == 401:
        raise AuthRejected(reason, 401)
    raise PermanentError(reason, response.status_code)


def _grant(response: httpx.Response, what: str, previous_refresh: str | None = None) -> Grant:
    if response.status_code in (400, 401) and "invalid_grant" in response.text:
        raise AuthRejected(f"{what}: the grant was revoked or has expired", response.status_code)
    body = check(response, what).json()
    if not isinstance(body, dict) or not body.get("access_token"):
        raise PermanentError(f"{what}: the platform answered without an access token")
    expires_in = body.get("expires_in")
    return Grant(
        access_token=str(body["access_token"]),
        refresh_token=str(body.get("refresh_token") or previous_refresh or "") or None,
        expires_at=(
            datetime.now(UTC) + timedelta(seconds=int(expires_in)) if isinstance(expires_in, int) else None
        ),
        scopes=body.get("scope"),
    )


class _Base:
    platform: PlatformName
    uses_pkce: bool
    authorize_url: str
    token_url: str
    api: str
    client_id: str
    client_secret: str | None
    scopes: str

    # The settings' prefix for this platform: X_TOKEN_URL, LINKEDIN_CLIENT_ID, ...
    prefix: str

    def __init__(self, settings: Settings, http: httpx.Client) -> None:
        self.settings = settings
        self.http = http
        self.authorize_url = str(self._setting("authorize_url"))
        self.token_url = str(self._setting("token_url"))
        self.api = str(self._setting("api_base_url")).rstrip("/")
        self.client_id = self._setting("client_id") or ""
        secret = self._setting("client_secret")
        self.client_secret = secret.get_secret_value() if secret else None
        self.scopes = str(self._setting("scopes"))

    def _setting(self, name: str) -> Any:
        return getattr(self.settings, f"{self.prefix}_{name}")

    def authorization_url(self, state: str, code_challenge: str | None) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri(self.settings, self.platform),
            "scope": self.scopes,
            "state": state,
        }
        if code_challenge is not None:
            params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"{self.authorize_url}?{urlencode(params, quote_via=quote)}"

    def _token_request(self, data: dict[str, str]) -> httpx.Response:
        raise NotImplementedError

    def exchange_code(self, code: str, code_verifier: str | None) -> Grant:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri(self.settings, self.platform),
            "client_id": self.client_id,
        }
        if code_verifier is not None:
            data["code_verifier"] = code_verifier
        return _grant(self._token_request(data), "exchanging the authorisation code")

    def refresh(self, refresh_token: str) -> Grant:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id}
        return _grant(self._token_request(data), "refreshing the access token", refresh_token)

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


class XClient(_Base):
    """X API v2 with OAuth 2.0 user context (authorization code with PKCE)."""

    platform: PlatformName = "twitter"
    prefix = "x"
    uses_pkce = True

    def _token_request(self, data: dict[str, str]) -> httpx.Response:
        # Confidential clients authenticate with HTTP Basic; public ones send only client_id.
        if self.client_secret:
            return self.http.post(self.token_url, data=data, auth=(self.client_id, self.client_secret))
        return self.http.post(self.token_url, data=data)

    def identity(self, access_token: str) -> Identity:
        body = check(
            self.http.get(f"{self.api}/2/users/me", headers=self._auth(access_token)), "reading the X user"
        )
        data = body.json().get("data") or {}
        return Identity(str(data["id"]), str(data.get("username") or data["id"]))

    def create_post(self, access_token: str, author_id: str, text: str, reply_to: str | None) -> str:
        payload: dict[str, Any] = {"text": text}
        if reply_to is not None:
            payload["reply"] = {"in_reply_to_tweet_id": reply_to}
        response = self.http.post(f"{self.api}/2/tweets", json=payload, headers=self._auth(access_token))
        return str(check(response, "posting to X").json()["data"]["id"])

    def recent_posts(self, access_token: str, author_id: str, since: datetime) -> list[RemotePost]:
        params = {
            "max_results": "100",
            "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tweet.fields": "created_at",
        }
        response = self.http.get(
            f"{self.api}/2/users/{author_id}/tweets", params=params, headers=self._auth(access_token)
        )
        data = check(response, "looking up recent X posts").json().get("data") or []
        return [RemotePost(str(item["id"]), str(item.get("text", ""))) for item in data]

    def comment(self, access_token: str, author_id: str, post_id: str, text: str) -> None:
        self.create_post(access_token, author_id, text, post_id)

    def post_url(self, handle: str, post_id: str) -> str:
        return f"https://x.com/{handle}/status/{post_id}"

    def metrics(self, access_token: str, post_ids: list[str]) -> dict[str, dict[str, int]]:
        params = {"ids": ",".join(post_ids), "tweet.fields": "public_metrics"}
        response = self.http.get(f"{self.api}/2/tweets", params=params, headers=self._auth(access_token))
        result: dict[str, dict[str, int]] = {}
        for item in check(response, "reading X metrics").json().get("data") or []:
            m = item.get("public_metrics") or {}
            result[str(item["id"])] = {
                "likes": int(m.get("like_count", 0)),
                "comments": int(m.get("reply_count", 0)),
                "shares": int(m.get("retweet_count", 0)) + int(m.get("quote_count", 0)),
                **({"impressions": int(m["impression_count"])} if "impression_count" in m else {}),
            }
        return result


class LinkedInClient(_Base):
    """LinkedIn's three-legged OAuth, OpenID userinfo, the versioned Posts API and social actions."""

    platform: PlatformName = "linkedin"
    prefix = "linkedin"
    uses_pkce = False  # LinkedIn's web-app flow authenticates the client with its secret

    def _token_request(self, data: dict[str, str]) -> httpx.Response:
        if self.client_secret:
            data = data | {"client_secret": self.client_secret}
        return self.http.post(self.token_url, data=data)

    def _rest(self, token: str) -> dict[str, str]:
        return self._auth(token) | {
            "LinkedIn-Version": self.settings.linkedin_api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def identity(self, access_token: str) -> Identity:
        response = self.http.get(f"{self.api}/v2/userinfo", headers=self._auth(access_token))
        body = check(response, "reading the LinkedIn member").json()
        return Identity(str(body["sub"]), str(body.get("name") or body["sub"]))

    def create_post(self, access_token: str, author_id: str, text: str, reply_to: str | None) -> str:
        payload = {
            "author": f"urn:li:person:{author_id}",
            "commentary": text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        response = self.http.post(f"{self.api}/rest/posts", json=payload, headers=self._rest(access_token))
        post_id = check(response, "posting to LinkedIn").headers.get("x-restli-id")
        if not isinstance(post_id, str) or not post_id:
            raise PermanentError("posting to LinkedIn: the answer carried no post id (x-restli-id)")
        return post_id

    def recent_posts(self, access_token: str, author_id: str, since: datetime) -> list[RemotePost]:
        params = {"q": "author", "author": f"urn:li:person:{author_id}", "count": "50", "sortBy": "CREATED"}
        response = self.http.get(f"{self.api}/rest/posts", params=params, headers=self._rest(access_token))
        elements = check(response, "looking up recent LinkedIn posts").json().get("elements") or []
        floor = since.timestamp() * 1000
        return [
            RemotePost(str(e["id"]), str(e.get("commentary", "")))
            for e in elements
            if int(e.get("createdAt", floor)) >= floor
        ]

    def comment(self, access_token: str, author_id: str, post_id: str, text: str) -> None:
        payload = {"actor": f"urn:li:person:{author_id}", "object": post_id, "message": {"text": text}}
        url = f"{self.api}/rest/socialActions/{quote(post_id, safe='')}/comments"
        check(self.http.post(url, json=payload, headers=self._rest(access_token)), "commenting on LinkedIn")

    def post_url(self, handle: str, post_id: str) -> str:
        return f"https://www.linkedin.com/feed/update/{post_id}/"

    def metrics(self, access_token: str, post_ids: list[str]) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for post_id in post_ids:
            url = f"{self.api}/rest/socialActions/{quote(post_id, safe='')}"
            body = check(
                self.http.get(url, headers=self._rest(access_token)), "reading LinkedIn metrics"
            ).json()
            result[post_id] = {
                "likes": int((body.get("likesSummary") or {}).get("totalLikes", 0)),
                "comments": int((body.get("commentsSummary") or {}).get("aggregatedTotalComments", 0)),
            }
        return result


def client_for(platform: str, settings: Settings, http: httpx.Client) -> PlatformClient:
    """The platform's client (see `missing_setting` for whether it is configured)."""
    client: PlatformClient = (
        XClient(settings, http) if platform == "twitter" else LinkedInClient(settings, http)
    )
    return client


def missing_setting(platform: str, settings: Settings) -> str | None:
    """The setting that must be set before `platform` can be connected, if any."""
    prefix = XClient.prefix if platform == "twitter" else LinkedInClient.prefix
    return None if getattr(settings, f"{prefix}_client_id") else f"{prefix.upper()}_CLIENT_ID"


def http_client(settings: Settings) -> httpx.Client:
    """One client per unit of work: bounded timeouts, no redirects followed."""
    return httpx.Client(timeout=settings.platform_timeout_seconds, follow_redirects=False)
