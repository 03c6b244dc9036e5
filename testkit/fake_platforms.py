"""Fake X and LinkedIn servers following the documented request and response shapes.

One app serves both: X under `/x` (`/2/oauth2/token` with PKCE, `/2/users/me`, `/2/tweets`,
`/2/users/{id}/tweets`, rate-limit headers on every answer), LinkedIn under `/li` (`/oauth/v2/accessToken`,
`/v2/userinfo`, versioned `/rest/posts` answering 201 with `x-restli-id`, `/rest/socialActions`). Tests
script failures: `fail_next` statuses, a 429 until a reset time, a delay past the client's timeout after
the post is stored, expired and revoked grants.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response


@dataclass
class Post:
    id: str
    author: str
    text: str
    reply_to: str | None
    created_at: float
    comments: list[str] = field(default_factory=list)
    likes: int = 0


class FakePlatforms:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()
        self.app = FastAPI()
        self._routes()

    def reset(self) -> None:
        """A clean slate between tests (the served app stays)."""
        self.ids = itertools.count(1_000_000)
        self.posts: list[Post] = []
        self.codes: dict[str, dict[str, Any]] = {}  # code -> platform, challenge, redirect_uri, user
        self.access: dict[str, dict[str, Any]] = {}  # token -> user, expires_at
        self.refresh: dict[str, str] = {}  # refresh token -> user (single use)
        self.refresh_calls = 0
        self.revoked = False
        self.fail_next: list[int] = []  # statuses to answer the next post creations with
        self.rate_limited_until: float | None = None
        self.delay_after_store: float = 0.0  # store the post, then answer late
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    # ---- what a test arranges --------------------------------------------------------------------
    def approve(self, platform: str, challenge: str | None, redirect_uri: str, user: str) -> str:
        """The user clicked "Authorize": a code the callback can exchange."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "platform": platform,
            "challenge": challenge,
            "redirect": redirect_uri,
            "user": user,
        }
        return code

    def expire_tokens(self) -> None:
        for grant in self.access.values():
            grant["expires_at"] = time.time() - 1

    def posts_by(self, author: str) -> list[Post]:
        return [p for p in self.posts if p.author == author]

    # ---- helpers ------------------------------------------------------------------------------------
    def _issue(self, user: str) -> dict[str, Any]:
        token, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access[token] = {"user": user, "expires_at": time.time() + 7200}
        self.refresh[refresh] = user
        return {"token_type": "bearer", "expires_in": 7200, "access_token": token, "refresh_token": refresh,
                "scope": "tweet.read tweet.write users.read offline.access"}  # fmt: skip

    def _user(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        grant = self.access.get(header.removeprefix("Bearer "))
        if grant is None or grant["expires_at"] < time.time() or self.revoked:
            return None
        return str(grant["user"])

    def _x_headers(self) -> dict[str, str]:
        reset = int(self.rate_limited_until or time.time() + 900)
        return {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "99", "x-rate-limit-reset": str(reset)}

    async def _token(self, request: Request, platform: str) -> JSONResponse:
        form = dict((await request.form()).items())
        self.requests.append((platform, "token", {k: str(v) for k, v in form.items()}))
        if form.get("grant_type") == "refresh_token":
            self.refresh_calls += 1
            user = self.refresh.pop(str(form.get("refresh_token")), None)
            if user is None or self.revoked:
                return JSONResponse({"error": "invalid_grant", "error_description": "revoked"}, 400)
            return JSONResponse(self._issue(user))
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None or grant["redirect"] != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant", "error_description": "bad code"}, 400)
        if grant["challenge"] is not None:
            digest = hashlib.sha256(str(form.get("code_verifier", "")).encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return JSONResponse({"error": "invalid_request", "error_description": "PKCE mismatch"}, 400)
        return JSONResponse(self._issue(grant["user"]))

    async def _create(self, author: str, text: str, reply_to: str | None, urn: bool) -> Post | Response:
        if self.rate_limited_until is not None and time.time() < self.rate_limited_until:
            return JSONResponse({"title": "Too Many Requests", "detail": "Too Many Requests"}, 429,
                                headers=self._x_headers())  # fmt: skip
        if self.fail_next:
            return JSONResponse(
                {"title": "Service Unavailable", "detail": "try later"}, self.fail_next.pop(0)
            )
        with self.lock:
            if any(p.author == author and p.text == text for p in self.posts):
                return JSONResponse(
                    {
                        "detail": "You are not allowed to create a Tweet with duplicate content.",
                        "status": 403,
                    },
                    403,
                )
            number = next(self.ids)
            post = Post(f"urn:li:share:{number}" if urn else str(number), author, text, reply_to, time.time())
            self.posts.append(post)
        if self.delay_after_store:
            await asyncio.sleep(self.delay_after_store)
        return post

    # ---- routes -------------------------------------------------------------------------------------
    def authorize_page(self, platform: str, query: dict[str, str]) -> HTMLResponse:
        """The consent screen a person sees in their browser: "Authorize" sends them back with a code (as
        the user `query["login_hint"]` or "browser-user"), "Cancel" with `error=access_denied`."""
        redirect, state = query.get("redirect_uri", ""), query.get("state", "")
        user = query.get("login_hint", "browser-user")
        code = self.approve(platform, query.get("code_challenge"), redirect, user)
        allow = f"{redirect}?{urlencode({'code': code, 'state': state})}"
        deny = f"{redirect}?{urlencode({'error': 'access_denied', 'state': state})}"
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Authorize Postwright</title></head>"
            f"<body><main><h1>Authorize Postwright to use your {escape(platform)} account?</h1>"
            f'<p><a href="{escape(allow)}">Authorize app</a></p><p><a href="{escape(deny)}">Cancel</a></p>'
            "</main></body></html>"
        )
        return HTMLResponse(page)

    def _routes(self) -> None:
        app = self.app

        @app.get("/x/i/oauth2/authorize")
        async def x_authorize(request: Request) -> HTMLResponse:
            return self.authorize_page("twitter", dict(request.query_params))

        @app.get("/li/oauth/v2/authorization")
        async def li_authorize(request: Request) -> HTMLResponse:
            return self.authorize_page("linkedin", dict(request.query_params))

        @app.get("/favicon.ico")
        async def favicon() -> Response:
            # A browser on the consent page asks for one; no icon, and no 404 in its console.
            return Response(status_code=204)

        @app.post("/x/2/oauth2/token")
        async def x_token(request: Request) -> JSONResponse:
            return await self._token(request, "twitter")

        @app.get("/x/2/users/me")
        async def x_me(request: Request) -> JSONResponse:
            user = self._user(request)
            if user is None:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
            return JSONResponse({"data": {"id": user, "name": "Ada", "username": f"ada_{user}"}})

        @app.post("/x/2/tweets")
        async def x_create(request: Request) -> Response:
            user = self._user(request)
            if user is None:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401, headers=self._x_headers())
            body = await request.json()
            self.requests.append(("twitter", "create", {"text": body["text"]}))
            reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
            if reply is not None and not any(p.id == reply for p in self.posts):
                return JSONResponse({"detail": "reply target not found"}, 400)
            post = await self._create(user, body["text"], reply, urn=False)
            if isinstance(post, Response):
                return post
            return JSONResponse({"data": {"id": post.id, "text": post.text}}, 201, headers=self._x_headers())

        @app.get("/x/2/users/{user_id}/tweets")
        async def x_timeline(user_id: str, request: Request) -> JSONResponse:
            if self._user(request) != user_id:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
            data = [{"id": p.id, "text": p.text} for p in reversed(self.posts_by(user_id))]
            return JSONResponse(
                {"data": data, "meta": {"result_count": len(data)}}, headers=self._x_headers()
            )

        @app.get("/x/2/tweets")
        async def x_lookup(ids: str, request: Request) -> JSONResponse:
            if self._user(request) is None:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
            wanted = ids.split(",")
            data = [
                {"id": p.id, "text": p.text, "public_metrics": {"like_count": p.likes, "reply_count": 2,
                 "retweet_count": 1, "quote_count": 0, "impression_count": 500}}
                for p in self.posts if p.id in wanted
            ]  # fmt: skip
            return JSONResponse({"data": data})

        @app.post("/li/oauth/v2/accessToken")
        async def li_token(request: Request) -> JSONResponse:
            return await self._token(request, "linkedin")

        @app.get("/li/v2/userinfo")
        async def li_me(request: Request) -> JSONResponse:
            user = self._user(request)
            if user is None:
                return JSONResponse({"serviceErrorCode": 65600, "message": "Invalid access token"}, 401)
            return JSONResponse({"sub": user, "name": "Ada Lovelace", "email_verified": True})

        def li_checks(request: Request) -> tuple[str | None, Response | None]:
            if (
                not request.headers.get("linkedin-version")
                or request.headers.get("x-restli-protocol-version") != "2.0.0"
            ):
                return None, JSONResponse({"message": "missing version headers", "status": 426}, 426)
            user = self._user(request)
            if user is None:
                return None, JSONResponse({"message": "Invalid access token", "status": 401}, 401)
            return user, None

        @app.post("/li/rest/posts")
        async def li_create(request: Request) -> Response:
            user, error = li_checks(request)
            if error is not None:
                return error
            body = await request.json()
            if body.get("author") != f"urn:li:person:{user}" or body.get("lifecycleState") != "PUBLISHED":
                return JSONResponse({"message": "author or lifecycleState invalid", "status": 422}, 422)
            post = await self._create(str(user), body["commentary"], None, urn=True)
            if isinstance(post, Response):
                return post
            return Response(status_code=201, headers={"x-restli-id": post.id})

        @app.get("/li/rest/posts")
        async def li_list(q: str, author: str, request: Request) -> JSONResponse:
            user, error = li_checks(request)
            if error is not None:
                return error
            elements = [
                {"id": p.id, "commentary": p.text, "createdAt": int(p.created_at * 1000)}
                for p in reversed(self.posts_by(str(user)))
                if author == f"urn:li:person:{user}"
            ]
            return JSONResponse({"elements": elements, "paging": {"count": len(elements)}})

        @app.post("/li/rest/socialActions/{urn}/comments")
        async def li_comment(urn: str, request: Request) -> Response:
            _, error = li_checks(request)
            if error is not None:
                return error
            body = await request.json()
            post = next((p for p in self.posts if p.id == urn), None)
            if post is None or body.get("object") != urn:
                return JSONResponse({"message": "not found", "status": 404}, 404)
            post.comments.append(body["message"]["text"])
            return JSONResponse({"id": "comment-1"}, 201)

        @app.get("/li/rest/socialActions/{urn}")
        async def li_actions(urn: str, request: Request) -> Response:
            _, error = li_checks(request)
            if error is not None:
                return error
            post = next((p for p in self.posts if p.id == urn), None)
            if post is None:
                return JSONResponse({"message": "not found", "status": 404}, 404)
            summary = {"aggregatedTotalComments": len(post.comments)}
            return JSONResponse({"likesSummary": {"totalLikes": post.likes}, "commentsSummary": summary})
