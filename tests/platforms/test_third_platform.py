"""A third platform is one module plus one registration: a Mastodon-like "Fakedon", declared and registered in
this test only, gets drafts, length checks, generation prompts and checks, OAuth connect and publishing
against a fake server, with no other file changed. An unknown platform is a clear error, never X's behaviour.

Fakedon: 500 characters counted as code points, no threads, no first comment, OAuth 2.0 with PKCE *and* the
client secret in the token form (a flavour neither X nor LinkedIn has), settings from FAKEDON_* variables
(which `Settings` does not declare).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy import delete

from api.accounts.models import ConnectedAccount
from api.auth.models import User
from api.content.length import check_length
from api.content.models import ContentDraft
from api.core.config import get_settings
from api.core.crypto import encrypt
from api.core.db import session_scope
from api.core.errors import Conflict
from api.generation import checks
from api.generation.schemas import GenerateIn
from api.generation.service import build_messages, validate
from api.platforms import registry
from api.platforms.base import (
    CharacterLimit,
    Identity,
    OAuthClient,
    OAuthFlavour,
    PlatformPlugin,
    RemotePost,
    check,
)
from api.publishing import publisher
from testkit.support import serve_in_thread

# ---- the plugin: what a new platform's module holds --------------------------------------------------------


class FakedonClient(OAuthClient):
    """Mastodon's API shape: verify_credentials, statuses, an account's statuses."""

    def identity(self, access_token: str) -> Identity:
        response = self.http.get(
            f"{self.api}/api/v1/accounts/verify_credentials", headers=self._auth(access_token)
        )
        body = check(response, "reading the Fakedon account").json()
        return Identity(str(body["id"]), str(body["username"]))

    def create_post(self, access_token: str, author_id: str, text: str, reply_to: str | None) -> str:
        payload = {"status": text, "in_reply_to_id": reply_to}
        response = self.http.post(
            f"{self.api}/api/v1/statuses", json=payload, headers=self._auth(access_token)
        )
        return str(check(response, "posting to Fakedon").json()["id"])

    def recent_posts(self, access_token: str, author_id: str, since: datetime) -> list[RemotePost]:
        url = f"{self.api}/api/v1/accounts/{author_id}/statuses"
        body = check(self.http.get(url, headers=self._auth(access_token)), "listing Fakedon posts").json()
        return [RemotePost(str(item["id"]), str(item["content"])) for item in body]

    def comment(self, access_token: str, author_id: str, post_id: str, text: str) -> None:
        self.create_post(access_token, author_id, text, post_id)

    def post_url(self, handle: str, post_id: str) -> str:
        return f"https://fakedon.example/@{handle}/{post_id}"

    def metrics(self, access_token: str, post_ids: list[str]) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for post_id in post_ids:
            url = f"{self.api}/api/v1/statuses/{post_id}"
            body = check(self.http.get(url, headers=self._auth(access_token)), "reading a status").json()
            result[post_id] = {"likes": int(body["favourites_count"]), "comments": int(body["replies_count"])}
        return result


FAKEDON = PlatformPlugin(
    name="fakedon",
    display_name="Fakedon",
    aliases=("toot",),
    length=CharacterLimit(500),
    threads=False,
    first_comment=False,
    prompt_rules="Fakedon: at most 500 characters; plain text, content warnings for heavy topics",
    settings_prefix="fakedon",
    default_endpoints={"scopes": "read write"},
    oauth=OAuthFlavour(pkce=True, client_auth="body"),
    client=FakedonClient,
)


# ---- the fake server ---------------------------------------------------------------------------------------


@dataclass
class FakedonServer:
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(9000))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> account id
    statuses: list[dict[str, Any]] = field(default_factory=list)
    token_forms: list[dict[str, str]] = field(default_factory=list)

    def approve(self, challenge: str | None, redirect_uri: str, account: str) -> str:
        code = secrets.token_urlsafe(12)
        self.codes[code] = {"challenge": challenge, "redirect": redirect_uri, "account": account}
        return code

    def issue(self, account: str) -> dict[str, Any]:
        token = secrets.token_urlsafe(16)
        self.tokens[token] = account
        return {"access_token": token, "refresh_token": secrets.token_urlsafe(16), "expires_in": 7200,
                "token_type": "Bearer", "scope": "read write"}  # fmt: skip

    def app(self) -> FastAPI:
        app = FastAPI()

        def account_of(request: Request) -> str | None:
            return self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

        @app.post("/oauth/token")
        async def token(request: Request) -> JSONResponse:
            form = {key: str(value) for key, value in (await request.form()).items()}
            self.token_forms.append(form)
            if form.get("client_secret") != "fakedon-secret":
                return JSONResponse({"error": "invalid_client"}, 401)
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect"] != form.get("redirect_uri"):
                return JSONResponse({"error": "invalid_grant", "error_description": "bad code"}, 400)
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return JSONResponse({"error": "invalid_grant", "error_description": "PKCE mismatch"}, 400)
            return JSONResponse(self.issue(grant["account"]))

        @app.get("/api/v1/accounts/verify_credentials")
        async def me(request: Request) -> JSONResponse:
            account = account_of(request)
            if account is None:
                return JSONResponse({"error": "The access token is invalid"}, 401)
            return JSONResponse({"id": account, "username": f"ada{account}"})

        @app.post("/api/v1/statuses")
        async def post(request: Request) -> JSONResponse:
            account = account_of(request)
            if account is None:
                return JSONResponse({"error": "The access token is invalid"}, 401)
            body = await request.json()
            if len(body["status"]) > 500:
                return JSONResponse({"error": "Validation failed: Text character limit of 500 exceeded"}, 422)
            status = {"id": str(next(self.ids)), "account": account, "content": body["status"],
                      "in_reply_to_id": body.get("in_reply_to_id"), "at": time.time()}  # fmt: skip
            self.statuses.append(status)
            return JSONResponse({"id": status["id"], "content": status["content"]})

        @app.get("/api/v1/accounts/{account}/statuses")
        async def listing(account: str, request: Request) -> JSONResponse:
            if account_of(request) != account:
                return JSONResponse({"error": "The access token is invalid"}, 401)
            return JSONResponse([s for s in self.statuses if s["account"] == account])

        @app.get("/api/v1/statuses/{status_id}")
        async def one(status_id: str, request: Request) -> JSONResponse:
            found = next((s for s in self.statuses if s["id"] == status_id), None)
            if account_of(request) is None or found is None:
                return JSONResponse({"error": "Record not found"}, 404)
            return JSONResponse({"id": status_id, "favourites_count": 7, "replies_count": 2})

        return app


@pytest.fixture(scope="module")
def fakedon_url() -> Iterator[tuple[FakedonServer, str]]:
    server = FakedonServer()
    with serve_in_thread(server.app()) as url:
        yield server, url


@pytest.fixture
def fakedon(
    fakedon_url: tuple[FakedonServer, str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> Iterator[FakedonServer]:
    """Fakedon registered for the test (and only for it), its settings pointing at a fresh fake server."""
    server, url = fakedon_url
    server.codes.clear(), server.tokens.clear(), server.statuses.clear(), server.token_forms.clear()
    for name, value in {
        "FAKEDON_CLIENT_ID": "fakedon-client", "FAKEDON_CLIENT_SECRET": "fakedon-secret",
        "FAKEDON_AUTHORIZE_URL": f"{url}/oauth/authorize", "FAKEDON_TOKEN_URL": f"{url}/oauth/token",
        "FAKEDON_API_BASE_URL": url,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(get_settings(), "public_base_url", "https://postwright.example")
    with registry.registered(FAKEDON):
        yield server
    assert "fakedon" not in registry.names()


# ---- drafts and length -------------------------------------------------------------------------------------


def test_a_draft_for_the_new_platform_is_stored_and_held_to_its_own_length(
    fakedon, client, user_factory, auth_headers
):
    headers = auth_headers(user_factory())
    made = client.post(
        "/api/content/drafts", json={"platform": "fakedon", "content": "a" * 500}, headers=headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["platform"] == "fakedon"
    by_alias = client.post(
        "/api/content/drafts", json={"platform": "Toot", "content": "hello"}, headers=headers
    )
    assert by_alias.status_code == 201 and by_alias.json()["platform"] == "fakedon"

    # 501 characters: refused naming the platform's own limit (X would count 280, LinkedIn 3,000).
    too_long = client.post(
        "/api/content/drafts", json={"platform": "fakedon", "content": "a" * 501}, headers=headers
    )
    assert too_long.status_code == 422
    assert too_long.json()["detail"] == "501 characters; Fakedon allows 500"
    # No threads: a `thread` draft is one post, held to 500 as a whole.
    thread = {"platform": "fakedon", "content": "a" * 300 + "\n---\n" + "b" * 300, "content_type": "thread"}
    assert client.post("/api/content/drafts", json=thread, headers=headers).status_code == 422
    # No first comment: refused naming the field.
    commented = client.post(
        "/api/content/drafts",
        json={"platform": "fakedon", "content": "hi", "first_comment": "more"},
        headers=headers,
    )
    assert commented.status_code == 422
    assert commented.json()["detail"][0]["loc"] == ["body", "first_comment"]

    listed = client.get("/api/content/drafts", params={"platform": "toot"}, headers=headers).json()
    assert {item["platform"] for item in listed["items"]} == {"fakedon"} and listed["total"] == 2


def test_length_is_counted_the_platforms_way(fakedon):
    # Code points: 500 astral emoji fit here, where LinkedIn's UTF-16 count would make them 1,000.
    assert check_length("fakedon", "😀" * 500).valid
    result = check_length("fakedon", "😀" * 501)
    assert not result.valid and result.parts[0].length == 501 and result.parts[0].limit == 500
    assert not check_length("fakedon", "   ").valid


# ---- generation --------------------------------------------------------------------------------------------


def test_generation_gives_the_platforms_rules_and_checks_against_them(fakedon, db, user_factory):
    user = user_factory(role="Engineer", niche="open social")
    body = GenerateIn(platform="toot", topic="federation")
    assert body.platform == "fakedon"
    system = build_messages(user, body, [], None, {"chars": 300, "hashtags": 1})[0]["content"]
    assert "Rules: Fakedon: at most 500 characters; plain text" in system
    assert "280" not in system and "LinkedIn" not in system and "thread" not in system

    with pytest.raises(Conflict, match="Threads are X's format"):
        validate(db, GenerateIn(platform="fakedon", topic="federation", thread=True))

    allowed = checks.Allowed()
    fits = checks.check("A post about federation. " * 19, "fakedon", None, allowed, [], [])
    assert "fits the platform" in fits.passed
    too_long = checks.check("A post about federation. " * 21, "fakedon", None, allowed, [], [])
    assert any("Fakedon allows 500" in problem for problem in too_long.problems)


# ---- OAuth connect -----------------------------------------------------------------------------------------


def test_connecting_the_platform_runs_its_oauth_flavour_against_its_server(
    fakedon, client, user_factory, auth_headers
):
    user = user_factory()
    answer = client.get("/api/accounts/toot/connect", headers=auth_headers(user))
    assert answer.status_code == 200, answer.text
    url = urlsplit(answer.json()["authorization_url"])
    query = parse_qs(url.query)
    assert url.path == "/oauth/authorize" and query["client_id"] == ["fakedon-client"]
    assert query["redirect_uri"] == ["https://postwright.example/accounts/fakedon/callback"]
    assert query["code_challenge_method"] == ["S256"] and query["scope"] == ["read write"]

    code = fakedon.approve(query["code_challenge"][0], query["redirect_uri"][0], "77")
    back = client.get("/api/accounts/fakedon/callback", params={"code": code, "state": query["state"][0]})
    assert back.status_code == 200, back.text
    assert (back.json()["platform"], back.json()["handle"], back.json()["status"]) == (
        "fakedon",
        "ada77",
        "active",
    )
    [form] = fakedon.token_forms
    assert (
        form["client_secret"] == "fakedon-secret" and form["code_verifier"]
    )  # PKCE and the secret in the form
    listed = client.get("/api/accounts", headers=auth_headers(user)).json()["items"]
    assert [(a["platform"], a["handle"]) for a in listed] == [("fakedon", "ada77")]


def test_connecting_without_its_client_id_is_503_naming_its_setting(
    fakedon, client, user_factory, auth_headers, monkeypatch
):
    monkeypatch.delenv("FAKEDON_CLIENT_ID")
    answer = client.get("/api/accounts/fakedon/connect", headers=auth_headers(user_factory()))
    assert answer.status_code == 503
    assert answer.json()["detail"].startswith(
        "Connecting Fakedon is not configured on this server: set FAKEDON_CLIENT_ID"
    )


# ---- publishing --------------------------------------------------------------------------------------------


@pytest.fixture
def fakedon_user(fakedon: FakedonServer) -> Iterator[uuid.UUID]:
    """A committed user with a connected Fakedon account (deleted afterwards)."""
    with session_scope() as session:
        user = User(email=f"fd-{uuid.uuid4().hex[:10]}@example.com", password_hash="x", name="F")
        session.add(user)
        session.flush()
        grant = fakedon.issue("501")
        session.add(
            ConnectedAccount(
                user_id=user.id, platform="fakedon", external_user_id="501", handle="ada501",
                access_token_encrypted=encrypt(grant["access_token"]),
                refresh_token_encrypted=encrypt(grant["refresh_token"]),
                token_expires_at=datetime.now(UTC) + timedelta(hours=2),
            )
        )  # fmt: skip
        user_id = user.id
    yield user_id
    with session_scope() as session:
        session.execute(delete(User).where(User.id == user_id))


def test_a_due_post_is_published_to_the_platform_exactly_once(fakedon, fakedon_user):
    text = "First line\n---\nstill the same post: no threads here"
    with session_scope() as session:
        draft = ContentDraft(
            user_id=fakedon_user, platform="fakedon", content=text, status="scheduled",
            scheduled_for=datetime.now(UTC) - timedelta(minutes=1),
        )  # fmt: skip
        session.add(draft)
        session.flush()
        draft_id = draft.id

    assert publisher.run_pass()["published"] == 1
    assert publisher.run_pass()["published"] == 0  # nothing is due any more

    [status] = fakedon.statuses
    assert status["content"] == text and status["in_reply_to_id"] is None  # one post, not split as a thread
    with session_scope() as session:
        stored = session.get(ContentDraft, draft_id)
        assert stored is not None and stored.status == "published"
        assert stored.external_url == f"https://fakedon.example/@ada501/{status['id']}"


# ---- the registry ------------------------------------------------------------------------------------------


def test_the_openapi_document_lists_what_is_registered_when_it_is_built(app):
    def enum(document: dict[str, Any]) -> list[str]:
        return list(document["components"]["schemas"]["DraftCreate"]["properties"]["platform"]["enum"])

    def build() -> dict[str, Any]:
        return get_openapi(title="t", version="1", routes=app.routes)

    assert enum(build()) == ["linkedin", "twitter"]
    with registry.registered(FAKEDON):
        document = build()
        assert enum(document) == ["linkedin", "twitter", "fakedon"]
        connect = document["paths"]["/api/accounts/{platform}/connect"]["get"]["parameters"][0]["schema"]
        assert connect["enum"] == ["linkedin", "twitter", "fakedon", "x", "toot"]
        assert document["components"]["schemas"]["OnboardingIn"]["properties"]["platforms"]["maxItems"] == 3
    assert enum(build()) == ["linkedin", "twitter"]


def test_an_unknown_platform_is_an_error_never_xs_behaviour(client, user_factory, auth_headers):
    headers = auth_headers(user_factory())
    for name in ("myspace", "fakedon"):  # fakedon too: its registration ended with its tests
        answer = client.post("/api/content/drafts", json={"platform": name, "content": "hi"}, headers=headers)
        assert answer.status_code == 422
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", "platform"] and "unknown platform" in error["msg"]
        assert client.get(f"/api/accounts/{name}/connect", headers=headers).status_code == 422
        assert client.get("/api/posts", params={"platform": name}, headers=headers).status_code == 422
        with pytest.raises(ValueError, match="unknown platform"):
            registry.get(name)
        with pytest.raises(ValueError, match="use one of: linkedin, twitter"):
            check_length(name, "a short post")
        with pytest.raises(ValueError):
            GenerateIn(platform=name, topic="anything")


def test_a_stored_post_for_a_platform_no_longer_registered_fails_with_a_reason(fakedon_user):
    with session_scope() as session:
        draft = ContentDraft(
            user_id=fakedon_user, platform="gone", content="hi", status="scheduled",
            scheduled_for=datetime.now(UTC) - timedelta(minutes=1),
        )  # fmt: skip
        session.add(draft)
        session.flush()
        draft_id = draft.id
    assert publisher.run_pass()["failed"] == 1
    with session_scope() as session:
        stored = session.get(ContentDraft, draft_id)
        assert stored is not None and stored.status == "failed"
        assert "does not publish to this platform" in (stored.last_error or "")


def test_registration_refuses_names_the_columns_cannot_hold_or_that_are_taken():
    too_long = PlatformPlugin(**{**FAKEDON.__dict__, "name": "a" * 21, "aliases": ()})
    with pytest.raises(ValueError, match="at most 20"):
        registry.register(too_long)
    taken = PlatformPlugin(**{**FAKEDON.__dict__, "aliases": ("x",)})
    with pytest.raises(ValueError, match="taken by 'twitter'"):
        registry.register(taken)
    assert registry.names() == ("linkedin", "twitter")
