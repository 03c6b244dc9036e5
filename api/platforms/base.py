"""What a platform plugin declares, and what every plugin shares: length rules, settings, OAuth 2.0, errors.

A plugin is data (`PlatformPlugin`) plus a client class (`OAuthClient` with the platform's own calls). Every
endpoint comes from settings, so tests and staging setups point them at their own servers. Media (images,
documents) go up first through the platform's own upload API (`upload_media`, one platform media id each) and
are then named in `create_post` (`PostMedia`); `MediaRules` says what a platform's post may carry. Errors are
classified once, here: `TransientError` (429 with the platform's reset, 5xx, network: try again later),
`AuthRejected` (401: refresh the token, then give up), `PermanentError` (anything else the platform refused,
with its reason in plain words).
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlencode

import httpx
from oauthlib.oauth2 import WebApplicationClient
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.core.config import ConfigurationError, Settings

# A draft of this content type on a platform with threads is several posts, separated by `---` lines.
THREAD_CONTENT_TYPE = "thread"
THREAD_SEPARATOR = re.compile(r"^[ \t]*---[ \t]*$", re.MULTILINE)
# What the generation prompt adds to a platform's rules when a thread is asked for.
THREAD_PROMPT_RULE = "a thread: posts separated by a line holding only ---"


def split_thread(content: str) -> list[str]:
    """The posts of a thread: the text between `---` lines, trimmed."""
    return [part.strip() for part in THREAD_SEPARATOR.split(content)]


def utf16_length(text: str) -> int:
    """Characters as a browser text box counts them (UTF-16 code units: an astral emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


# ---- length ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartLength:
    """One post of a thread (or the whole post): its measured length and whether it fits."""

    index: int
    length: int
    limit: int
    valid: bool


@dataclass(frozen=True, slots=True)
class LengthCheck:
    """The verdict on a post's length for a platform, with a message per problem."""

    platform: str
    valid: bool
    parts: list[PartLength] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class LengthRule(Protocol):
    """How long a post may be on a platform, counted the way the platform counts."""

    @property
    def limit(self) -> int: ...

    def count(self, text: str) -> int:
        """The length of one post as the platform counts it."""
        ...

    def check(self, platform: PlatformPlugin, content: str, content_type: str | None) -> LengthCheck:
        """The verdict on non-blank `content` (a thread post by post, where the platform has threads)."""
        ...


@dataclass(frozen=True, slots=True)
class CharacterLimit:
    """At most `limit` per post, counted by `counter` (`len`: code points), called `unit` in messages."""

    limit: int
    counter: Callable[[str], int] = len
    unit: str = "characters"

    def count(self, text: str) -> int:
        return self.counter(text)

    def check(self, platform: PlatformPlugin, content: str, content_type: str | None) -> LengthCheck:
        if platform.threads and content_type == THREAD_CONTENT_TYPE:
            parts: list[PartLength] = []
            problems: list[str] = []
            for index, text in enumerate(split_thread(content)):
                length = self.count(text)
                part = PartLength(index, length, self.limit, bool(text) and length <= self.limit)
                parts.append(part)
                if not text:
                    problems.append(f"post {index + 1} of the thread is empty")
                elif not part.valid:
                    problems.append(
                        f"post {index + 1} of the thread is {length} {self.unit}; "
                        f"{platform.display_name} allows {self.limit}"
                    )
            return LengthCheck(platform.name, not problems, parts, problems)
        length = self.count(content)
        part = PartLength(0, length, self.limit, length <= self.limit)
        problems = (
            [] if part.valid else [f"{length} {self.unit}; {platform.display_name} allows {self.limit}"]
        )
        return LengthCheck(platform.name, part.valid, [part], problems)


# ---- media -----------------------------------------------------------------------------------------------

MediaKind = Literal["image", "document"]

_MB = 1_000_000


@dataclass(frozen=True, slots=True)
class MediaUpload:
    """One file to upload to a platform: its kind, MIME type, bytes (or a callable reading them, called once
    per upload), the image's alt text and the document's title."""

    kind: MediaKind
    mime_type: str
    content: bytes | Callable[[], bytes]
    alt_text: str | None = None
    title: str | None = None

    def read(self) -> bytes:
        return self.content if isinstance(self.content, bytes) else self.content()

    def attached(self, media_id: str) -> PostMedia:
        """How a post names this upload once the platform gave it `media_id`."""
        return PostMedia(media_id, self.kind, self.alt_text, self.title, self.mime_type)


@dataclass(frozen=True, slots=True)
class PostMedia:
    """An uploaded medium as `create_post` attaches it: the platform's media id (X: the `media_id` string;
    LinkedIn: the `urn:li:image:...` or `urn:li:document:...` URN), its kind, alt text and title (LinkedIn
    carries them in the post; X got the alt text at upload) and MIME type (where known)."""

    id: str
    kind: MediaKind = "image"
    alt_text: str | None = None
    title: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class MediaRules:
    """What media one post may carry on a platform: up to `images_per_post` images of `image_types`, or, where
    `documents`, one document of `document_types` and nothing else. Sizes are bytes in decimal megabytes (the
    smaller reading of a platform's "5 MB"), per type in `type_max_bytes`, else `max_image_bytes` /
    `max_document_bytes` (None: no limit of ours). The default is a platform that takes no media. Rules that
    depend on the file's content (X's animated GIF alone in its post) are the media library's
    (`api.media.limits`) and the platform's own."""

    images_per_post: int = 0
    image_types: tuple[str, ...] = ()
    max_image_bytes: int | None = None
    documents: bool = False
    document_types: tuple[str, ...] = ()
    max_document_bytes: int | None = None
    type_max_bytes: tuple[tuple[str, int], ...] = ()
    max_alt_text: int | None = None
    max_title: int | None = None

    def max_bytes(self, kind: str, mime_type: str) -> int | None:
        """The largest file of this type the platform takes (None: no limit of ours)."""
        for name, limit in self.type_max_bytes:
            if name == mime_type:
                return limit
        return self.max_image_bytes if kind == "image" else self.max_document_bytes

    def upload_problem(
        self,
        platform: str,
        kind: str,
        mime_type: str,
        size: int,
        alt_text: str | None = None,
        title: str | None = None,
    ) -> str | None:
        """Why this file (with its alt text and title) cannot go to the platform, in words, or None."""
        if kind not in ("image", "document"):
            return f"unknown kind of media {kind!r}"
        if (kind == "image" and not self.images_per_post) or (kind == "document" and not self.documents):
            return f"{platform} posts take no {kind}s"
        types = self.image_types if kind == "image" else self.document_types
        if mime_type not in types:
            return f"{platform} takes {kind}s of type {', '.join(types)}, not {mime_type}"
        if size <= 0:
            return "the file is empty"
        limit = self.max_bytes(kind, mime_type)
        if limit is not None and size > limit:
            return f"the {kind} is {size / _MB:.1f} MB; {platform} takes at most {limit / _MB:g} MB"
        if alt_text and self.max_alt_text is not None and len(alt_text) > self.max_alt_text:
            return f"the alt text is {len(alt_text)} characters; {platform} takes at most {self.max_alt_text}"
        if title and self.max_title is not None and len(title) > self.max_title:
            return f"the title is {len(title)} characters; {platform} takes at most {self.max_title}"
        return None

    def post_problem(self, platform: str, kinds: Sequence[str]) -> str | None:
        """Why one post cannot carry media of these kinds together, in words, or None."""
        images = sum(1 for kind in kinds if kind == "image")
        documents = len(kinds) - images
        if documents and not self.documents:
            return f"{platform} posts take no documents"
        if documents and (documents > 1 or images):
            return f"a {platform} post carries one document and nothing else"
        if images > self.images_per_post:
            if not self.images_per_post:
                return f"{platform} posts take no images"
            return f"{images} images; a {platform} post takes at most {self.images_per_post}"
        return None


# ---- settings --------------------------------------------------------------------------------------------

ENDPOINT_SETTINGS = ("authorize_url", "token_url", "api_base_url", "client_id", "client_secret", "scopes")


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where a platform's OAuth and API live, and this server's client registration with it."""

    authorize_url: str
    token_url: str
    api_base_url: str
    client_id: str | None
    client_secret: str | None
    scopes: str


class _PlatformEnvironment(BaseSettings):
    """A plugin's settings that `Settings` does not declare: `<PREFIX>_CLIENT_ID`... from the environment and
    `.env`, read when the platform is used (a new platform needs no change to `Settings`)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    authorize_url: str | None = None
    token_url: str | None = None
    api_base_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scopes: str | None = None


@cache
def _environment_class(prefix: str) -> type[_PlatformEnvironment]:
    """The settings class reading `<PREFIX>_*` (one per platform)."""
    config = _PlatformEnvironment.model_config | SettingsConfigDict(env_prefix=f"{prefix}_")
    return type(f"{prefix.title()}Environment", (_PlatformEnvironment,), {"model_config": config})


def _plain(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@dataclass(frozen=True, slots=True)
class OAuthFlavour:
    """How a platform's OAuth 2.0 authorisation-code grant is done.

    `pkce`: the authorisation carries an S256 challenge and the exchange its verifier (X). `client_auth`: how
    a client with a secret authenticates at the token endpoint: HTTP Basic (`basic`, X) or `client_secret`
    in the form (`body`, LinkedIn); without a secret only `client_id` is sent.
    """

    pkce: bool
    client_auth: Literal["basic", "body"]


# ---- the plugin -------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PlatformPlugin:
    """Everything the rest of Postwright may know about a platform.

    `name` is what is stored (at most 20 characters: the columns' width); `aliases` are other names clients
    may send ("x" for twitter). `prompt_rules` is the sentence the generation prompt gives the model about the
    platform. `settings_prefix` names its settings (`X_CLIENT_ID`...): read from `Settings` when it declares
    `<prefix>_client_id`, else from the environment and `.env`, with `default_endpoints` for the URLs and
    scopes left unset. `client` is the publishing client class; `media` what its posts may carry.
    """

    name: str
    display_name: str
    aliases: tuple[str, ...] = ()
    length: LengthRule
    threads: bool = False
    first_comment: bool = False
    prompt_rules: str
    settings_prefix: str
    default_endpoints: Mapping[str, str] = field(default_factory=dict)
    oauth: OAuthFlavour
    client: type[OAuthClient]
    media: MediaRules = field(default_factory=MediaRules)

    def endpoints(self, settings: Settings) -> Endpoints:
        """The platform's endpoints and client registration from this process's settings."""
        prefix = self.settings_prefix
        values: dict[str, Any]
        if f"{prefix}_client_id" in type(settings).model_fields:
            values = {name: _plain(getattr(settings, f"{prefix}_{name}")) for name in ENDPOINT_SETTINGS}
        else:
            environment = _environment_class(prefix)()
            values = {name: _plain(getattr(environment, name)) for name in ENDPOINT_SETTINGS}
            for name in ("authorize_url", "token_url", "api_base_url", "scopes"):
                if values[name] is None:
                    if name not in self.default_endpoints:
                        raise ConfigurationError(
                            f"{self.display_name} has no {name}: set {prefix.upper()}_{name.upper()}."
                        )
                    values[name] = self.default_endpoints[name]
        return Endpoints(**values)

    def missing_setting(self, settings: Settings) -> str | None:
        """The setting that must be set before the platform can be connected, if any."""
        if self.endpoints(settings).client_id:
            return None
        return f"{self.settings_prefix.upper()}_CLIENT_ID"

    def connect(self, settings: Settings, http: httpx.Client) -> PlatformClient:
        """The platform's client for one unit of work over `http`."""
        return self.client(self, settings, http)


# ---- OAuth 2.0 and the platform's API --------------------------------------------------------------------


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
    platform: str
    uses_pkce: bool

    def authorization_url(self, state: str, code_challenge: str | None) -> str: ...
    def exchange_code(self, code: str, code_verifier: str | None) -> Grant: ...
    def refresh(self, refresh_token: str) -> Grant: ...
    def identity(self, access_token: str) -> Identity: ...
    def upload_media(self, access_token: str, author_id: str, media: MediaUpload) -> str: ...
    def create_post(
        self,
        access_token: str,
        author_id: str,
        text: str,
        reply_to: str | None,
        media: Sequence[PostMedia] = (),
    ) -> str: ...
    def recent_posts(self, access_token: str, author_id: str, since: datetime) -> list[RemotePost]: ...
    def comment(self, access_token: str, author_id: str, post_id: str, text: str) -> None: ...
    def post_url(self, handle: str, post_id: str) -> str: ...
    def metrics(self, access_token: str, post_ids: list[str]) -> dict[str, dict[str, int]]: ...


def redirect_uri(settings: Settings, platform: str) -> str:
    """Where the platform sends the user's browser back: the web app's page, which hands the code and state to
    `GET /api/accounts/{platform}/callback` and shows the result in words."""
    return f"{settings.public_base_url.rstrip('/')}/accounts/{platform}/callback"


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""
    client = WebApplicationClient(None)
    verifier = client.create_code_verifier(64)
    return verifier, client.create_code_challenge(verifier, "S256")


def normalise_text(text: str) -> str:
    """Text as platforms give it back: links shortened, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"https?://\S+", "", text)).strip().casefold()


def http_client(settings: Settings) -> httpx.Client:
    """One client per unit of work: bounded timeouts, no redirects followed."""
    return httpx.Client(timeout=settings.platform_timeout_seconds, follow_redirects=False)


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


class OAuthClient(ABC):
    """The OAuth 2.0 authorisation-code grant as the plugin's `oauth` flavour says; a platform's module adds
    its API calls (the abstract methods below)."""

    def __init__(self, plugin: PlatformPlugin, settings: Settings, http: httpx.Client) -> None:
        self.plugin = plugin
        self.platform = plugin.name
        self.uses_pkce = plugin.oauth.pkce
        self.settings = settings
        self.http = http
        endpoints = plugin.endpoints(settings)
        self.authorize_url = endpoints.authorize_url
        self.token_url = endpoints.token_url
        self.api = endpoints.api_base_url.rstrip("/")
        self.client_id = endpoints.client_id or ""
        self.client_secret = endpoints.client_secret
        self.scopes = endpoints.scopes

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
        if self.client_secret and self.plugin.oauth.client_auth == "basic":
            return self.http.post(self.token_url, data=data, auth=(self.client_id, self.client_secret))
        if self.client_secret:
            data = data | {"client_secret": self.client_secret}
        return self.http.post(self.token_url, data=data)

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

    @abstractmethod
    def identity(self, access_token: str) -> Identity:
        """The member the token belongs to."""

    def upload_media(self, access_token: str, author_id: str, media: MediaUpload) -> str:
        """Upload one file through the platform's media API; the platform's media id for `create_post`.
        A platform without media refuses it here (its plugin's `media` rules say so)."""
        raise PermanentError(f"{self.plugin.display_name} posts take no media")

    def _check_upload(self, media: MediaUpload, data: bytes) -> None:
        problem = self.plugin.media.upload_problem(
            self.plugin.display_name, media.kind, media.mime_type, len(data), media.alt_text, media.title
        )
        if problem is not None:
            raise PermanentError(f"uploading media to {self.plugin.display_name}: {problem}")

    def _check_post_media(self, media: Sequence[PostMedia]) -> None:
        problem = self.plugin.media.post_problem(self.plugin.display_name, [m.kind for m in media])
        if problem is not None:
            raise PermanentError(f"posting to {self.plugin.display_name}: {problem}")

    @abstractmethod
    def create_post(
        self,
        access_token: str,
        author_id: str,
        text: str,
        reply_to: str | None,
        media: Sequence[PostMedia] = (),
    ) -> str:
        """Publish `text` (as a reply to `reply_to`, the previous post of a thread) with the uploaded `media`
        (ids from `upload_media`); the new post's id."""

    @abstractmethod
    def recent_posts(self, access_token: str, author_id: str, since: datetime) -> list[RemotePost]:
        """The member's posts since `since`: how an attempt with an unknown outcome is reconciled."""

    @abstractmethod
    def comment(self, access_token: str, author_id: str, post_id: str, text: str) -> None:
        """Comment under the post (the first comment, on platforms that have one)."""

    @abstractmethod
    def post_url(self, handle: str, post_id: str) -> str:
        """Where the published post can be seen."""

    @abstractmethod
    def metrics(self, access_token: str, post_ids: list[str]) -> dict[str, dict[str, int]]:
        """likes, comments (shares, impressions where the platform gives them) per post id."""
