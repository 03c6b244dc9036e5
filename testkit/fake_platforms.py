"""Fake X and LinkedIn servers following the documented request and response shapes.

One app serves both: X under `/x` (`/2/oauth2/token` with PKCE, `/2/users/me`, `/2/tweets`,
`/2/users/{id}/tweets`, rate-limit headers on every answer), LinkedIn under `/li` (`/oauth/v2/accessToken`,
`/v2/userinfo`, versioned `/rest/posts` answering 201 with `x-restli-id`, `/rest/socialActions`). Tests
script failures: `fail_next` statuses, a 429 until a reset time, a delay past the client's timeout after
the post is stored, expired and revoked grants.

Media, validated as the platforms do: X's v2 chunked upload (`/2/media/upload/initialize`, `/{id}/append`
segments that must add up to `total_bytes` at `/{id}/finalize`, `GET /2/media/upload?command=STATUS` while a
GIF is processed, alt text through `/2/media/metadata`; a tweet takes 1 to 4 of its author's ready media ids),
LinkedIn's Images and Documents APIs (`initializeUpload` hands out an upload URL that takes one `PUT`; the URN
is usable once its bytes arrived; a post names one image or document in `content.media` or 2 to 20 images
in `content.multiImage`). Each `Media` keeps the bytes and the alt text (and title) that arrived; each `Post`
the media ids it carries. `fail_upload(status, step)` answers the next call of an upload step with a status,
`drop_after(step)` does the step and then drops the connection before answering.
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
from starlette.datastructures import UploadFile
from starlette.types import Receive, Scope, Send

# The upload steps a test can fail or cut short (X and LinkedIn share a name where both have the step).
UPLOAD_STEPS = ("initialize", "append", "finalize", "status", "metadata", "put")
X_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
X_CATEGORY_LIMITS = {"tweet_image": 5_000_000, "tweet_gif": 15_000_000}


@dataclass
class Post:
    id: str
    author: str
    text: str
    reply_to: str | None
    created_at: float
    comments: list[str] = field(default_factory=list)
    likes: int = 0
    media_ids: list[str] = field(default_factory=list)


@dataclass
class Media:
    """One upload as the platform holds it: what arrived, and whether a post may use it yet."""

    id: str
    platform: str
    owner: str
    kind: str  # image | document
    mime_type: str | None = None  # X: declared at initialize; LinkedIn: the PUT's content type
    category: str | None = None  # X's media_category
    total_bytes: int | None = None  # X: declared at initialize
    segments: dict[int, bytes] = field(default_factory=dict)
    data: bytes | None = None  # every byte, once the upload is complete
    ready: bool = False  # X: finalized and processed; LinkedIn: AVAILABLE
    polls_left: int = 0  # status answers still "in progress" before it is ready
    failed: bool = False  # processing failed
    alt_text: str | None = None
    title: str | None = None
    upload_token: str | None = None


class _Dropped(Response):
    """The status line and headers, then nothing: the server closes the connection in the middle of the
    answer, as a connection lost after the platform did the work."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"512")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})


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
        self.media: dict[str, Media] = {}  # media id (X) or URN (LinkedIn) -> what arrived
        self.upload_urls: dict[str, str] = {}  # LinkedIn upload token -> URN
        self.upload_faults: dict[str, list[int | str]] = {}  # step -> statuses or "drop", next call first
        self.gif_processing_polls = 1  # STATUS answers "in_progress" this often before "succeeded"
        self.li_processing_polls = 0  # a LinkedIn asset is PROCESSING for this many reads after its PUT
        self.fail_processing = False  # processing of the next finalized GIF fails

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

    def fail_upload(self, status: int, step: str = "initialize") -> None:
        """Answer the next call of an upload step (`initialize` starts one) with `status`, doing nothing."""
        assert step in UPLOAD_STEPS, step
        self.upload_faults.setdefault(step, []).append(status)

    def drop_after(self, step: str) -> None:
        """Do the next call of an upload step, then drop the connection before the answer."""
        assert step in UPLOAD_STEPS, step
        self.upload_faults.setdefault(step, []).append("drop")

    def media_of(self, post: Post) -> list[Media]:
        """The media a post carries, in its order."""
        return [self.media[media_id] for media_id in post.media_ids]

    def uploads(self, platform: str, step: str = "initialize") -> int:
        """How many calls of an upload step the platform received (`initialize`: uploads started)."""
        return sum(1 for name, what, _ in self.requests if name == platform and what == f"media.{step}")

    # ---- helpers ------------------------------------------------------------------------------------
    def _issue(self, user: str) -> dict[str, Any]:
        token, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access[token] = {"user": user, "expires_at": time.time() + 7200}
        self.refresh[refresh] = user
        return {"token_type": "bearer", "expires_in": 7200, "access_token": token, "refresh_token": refresh,
                "scope": "tweet.read tweet.write users.read media.write offline.access"}  # fmt: skip

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

    def _fault(self, step: str) -> int | str | None:
        faults = self.upload_faults.get(step)
        return faults.pop(0) if faults else None

    @staticmethod
    def _x_problem(status: int, detail: str) -> JSONResponse:
        return JSONResponse({"title": "Invalid Request", "detail": detail, "type": "about:blank",
                             "status": status}, status)  # fmt: skip

    @staticmethod
    def _li_error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"message": message, "status": status}, status)

    def _x_media(self, user: str, media_id: object) -> Media | None:
        media = self.media.get(str(media_id))
        return media if media is not None and media.platform == "twitter" and media.owner == user else None

    def _x_post_media(self, user: str, body: dict[str, Any]) -> list[str] | Response:
        """The tweet's media ids, each its author's and ready, or X's 400."""
        if "media" not in body:
            return []
        ids = (body.get("media") or {}).get("media_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 4 or not all(isinstance(i, str) for i in ids):
            return self._x_problem(400, "media.media_ids must list 1 to 4 media ids")
        for media_id in ids:
            media = self._x_media(user, media_id)
            if media is None:
                return self._x_problem(400, f"Your media IDs are invalid: {media_id}")
            if not media.ready:
                return self._x_problem(400, f"Media {media_id} is not ready to be used in a Tweet")
            if media.category == "tweet_gif" and len(ids) > 1:
                return self._x_problem(400, "An animated GIF cannot be combined with other media")
        return list(ids)

    def _li_post_media(self, user: str, content: object) -> tuple[list[str], list[dict[str, Any]]] | Response:
        """The post's media URNs and entries, each its author's and AVAILABLE, or LinkedIn's 4xx."""
        if not isinstance(content, dict) or len(content) != 1 or not {"media", "multiImage"} & set(content):
            return self._li_error(422, "content must be one media or one multiImage")
        if "media" in content:
            entries = [content["media"]]
        else:
            entries = (content["multiImage"] or {}).get("images")
            if not isinstance(entries, list) or not 2 <= len(entries) <= 20:
                return self._li_error(422, "multiImage.images must hold 2 to 20 images")
        urns: list[str] = []
        for entry in entries:
            media = self.media.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if media is None or media.platform != "linkedin":
                return self._li_error(400, f"unknown media {entry!r}")
            if media.owner != user:
                return self._li_error(400, f"{media.id} is not owned by the author")
            if not media.ready:
                return self._li_error(400, f"{media.id} is not AVAILABLE: its upload has not arrived")
            if "multiImage" in content and media.kind != "image":
                return self._li_error(422, f"{media.id} is not an image")
            if media.kind == "document" and not entry.get("title"):
                return self._li_error(422, "a document needs its title")
            urns.append(media.id)
        return urns, entries

    async def _create(
        self, author: str, text: str, reply_to: str | None, urn: bool, media_ids: list[str] | None = None
    ) -> Post | Response:
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
            post = Post(f"urn:li:share:{number}" if urn else str(number), author, text, reply_to, time.time(),
                        media_ids=list(media_ids or []))  # fmt: skip
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
            media_ids = self._x_post_media(user, body)
            if isinstance(media_ids, Response):
                return media_ids
            post = await self._create(user, body["text"], reply, urn=False, media_ids=media_ids)
            if isinstance(post, Response):
                return post
            return JSONResponse({"data": {"id": post.id, "text": post.text}}, 201, headers=self._x_headers())

        @app.post("/x/2/media/upload/initialize")
        async def x_media_initialize(request: Request) -> Response:
            user = self._user(request)
            if user is None:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
            fault = self._fault("initialize")
            if isinstance(fault, int):
                return self._x_problem(fault, "scripted failure")
            body = await request.json()
            total, media_type, category = (
                body.get("total_bytes"),
                body.get("media_type"),
                body.get("media_category"),
            )
            if not isinstance(total, int) or total <= 0 or media_type not in X_IMAGE_TYPES:
                return self._x_problem(400, "total_bytes and an image media_type are required")
            if category not in X_CATEGORY_LIMITS or (category == "tweet_gif" and media_type != "image/gif"):
                return self._x_problem(400, f"media_category {category!r} does not fit {media_type}")
            if total > X_CATEGORY_LIMITS[category]:
                return self._x_problem(400, "File size exceeds the limit of its media_category")
            media_id = str(next(self.ids))
            self.media[media_id] = Media(media_id, "twitter", user, "image", media_type, category, total)
            self.requests.append(("twitter", "media.initialize", {"media_id": media_id}))
            if fault == "drop":
                return _Dropped()
            return JSONResponse(
                {"data": {"id": media_id, "media_key": f"3_{media_id}", "expires_after_secs": 86400}}
            )

        @app.post("/x/2/media/upload/{media_id}/append")
        async def x_media_append(media_id: str, request: Request) -> Response:
            user = self._user(request)
            if user is None:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
            fault = self._fault("append")
            if isinstance(fault, int):
                return self._x_problem(fault, "scripted failure")
            media = self._x_media(user, media_id)
            if media is None or media.data is not None:
                return self._x_problem(400, f"no upload in progress with media id {media_id}")
            form = await request.form()
            index, chunk = form.get("segment_index"), form.get("media")
            if not isinstance(index, str) or not index.isdigit() or not 0 <= int(index) <= 999:
                return self._x_problem(400, "segment_index must be 0 to 999")
            if not isinstance(chunk, UploadFile):
                return self._x_problem(400, "media (the segment's bytes) is required")
            segment = await chunk.read()
            if len(segment) > 5 * 1024 * 1024:
                return self._x_problem(400, "a segment is at most 5 MB")
            media.segments[int(index)] = segment
            self.requests.append(("twitter", "media.append", {"media_id": media_id, "segment_index": index}))
            if fault == "drop":
                return _Dropped()
            return JSONResponse({"data": {"expires_at": int(time.time()) + 86400}})

        @app.post("/x/2/media/upload/{media_id}/finalize")
        async def x_media_finalize(media_id: str, request: Request) -> Response:
            user = self._user(request)
            if user is None:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
            fault = self._fault("finalize")
            if isinstance(fault, int):
                return self._x_problem(fault, "scripted failure")
            media = self._x_media(user, media_id)
            if media is None or media.data is not None:
                return self._x_problem(400, f"no upload in progress with media id {media_id}")
            indices = sorted(media.segments)
            data = b"".join(media.segments[i] for i in indices)
            if indices != list(range(len(indices))) or len(data) != media.total_bytes:
                return self._x_problem(400, "Segments do not add up to provided total file size.")
            media.data = data
            self.requests.append(("twitter", "media.finalize", {"media_id": media_id}))
            answer: dict[str, Any] = {"id": media_id, "media_key": f"3_{media_id}", "size": len(data),
                                      "expires_after_secs": 86400}  # fmt: skip
            if media.category == "tweet_gif":
                media.polls_left, media.failed = self.gif_processing_polls, self.fail_processing
                self.fail_processing = False
                answer["processing_info"] = {"state": "pending", "check_after_secs": 0}
            else:
                media.ready = True
            if fault == "drop":
                return _Dropped()
            return JSONResponse({"data": answer})

        @app.get("/x/2/media/upload")
        async def x_media_status(request: Request) -> Response:
            user = self._user(request)
            if user is None:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
            fault = self._fault("status")
            if isinstance(fault, int):
                return self._x_problem(fault, "scripted failure")
            params = request.query_params
            media = self._x_media(user, params.get("media_id"))
            if params.get("command") != "STATUS" or media is None or media.data is None:
                return self._x_problem(
                    400, "command=STATUS and the media_id of a finalized upload are required"
                )
            self.requests.append(("twitter", "media.status", {"media_id": media.id}))
            info: dict[str, Any]
            if media.polls_left > 0:
                media.polls_left -= 1
                info = {"state": "in_progress", "check_after_secs": 0, "progress_percent": 50}
            elif media.failed:
                info = {"state": "failed", "error": {"code": 1, "name": "InvalidMedia",
                                                      "message": "Unsupported media"}}  # fmt: skip
            else:
                media.ready = True
                info = {"state": "succeeded", "progress_percent": 100}
            if fault == "drop":
                return _Dropped()
            return JSONResponse(
                {"data": {"id": media.id, "media_key": f"3_{media.id}", "processing_info": info}}
            )

        @app.post("/x/2/media/metadata")
        async def x_media_metadata(request: Request) -> Response:
            user = self._user(request)
            if user is None:
                return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
            fault = self._fault("metadata")
            if isinstance(fault, int):
                return self._x_problem(fault, "scripted failure")
            body = await request.json()
            media = self._x_media(user, body.get("id"))
            text = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
            if media is None or media.data is None:
                return self._x_problem(400, f"unknown media id {body.get('id')!r}")
            if not isinstance(text, str) or not 0 < len(text) <= 1000:
                return self._x_problem(400, "metadata.alt_text.text must be 1 to 1000 characters")
            media.alt_text = text
            self.requests.append(("twitter", "media.metadata", {"media_id": media.id}))
            if fault == "drop":
                return _Dropped()
            return JSONResponse(
                {"data": {"id": media.id, "associated_metadata": {"alt_text": {"text": text}}}}
            )

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
            urns: list[str] = []
            entries: list[dict[str, Any]] = []
            if "content" in body:
                media = self._li_post_media(str(user), body["content"])
                if isinstance(media, Response):
                    return media
                urns, entries = media
            post = await self._create(str(user), body["commentary"], None, urn=True, media_ids=urns)
            if isinstance(post, Response):
                return post
            for urn, entry in zip(urns, entries, strict=True):
                self.media[urn].alt_text = entry.get("altText")
                self.media[urn].title = entry.get("title")
            return Response(status_code=201, headers={"x-restli-id": post.id})

        async def li_initialize(request: Request, kind: str, action: str) -> Response:
            user, error = li_checks(request)
            if error is not None:
                return error
            if action != "initializeUpload":
                return self._li_error(400, f"unknown action {action!r}")
            fault = self._fault("initialize")
            if isinstance(fault, int):
                return self._li_error(fault, "scripted failure")
            body = await request.json()
            owner = (body.get("initializeUploadRequest") or {}).get("owner")
            if owner != f"urn:li:person:{user}":
                return self._li_error(403, f"Not enough permissions to upload as {owner!r}")
            number = next(self.ids)
            urn = f"urn:li:image:C4E{number}" if kind == "image" else f"urn:li:document:D4D{number}"
            token = secrets.token_urlsafe(12)
            self.media[urn] = Media(urn, "linkedin", str(user), kind, upload_token=token)
            self.upload_urls[token] = urn
            self.requests.append(("linkedin", "media.initialize", {"urn": urn}))
            if fault == "drop":
                return _Dropped()
            upload_url = f"{str(request.base_url).rstrip('/')}/li/dms-uploads/{token}"
            expires = int((time.time() + 86400) * 1000)
            return JSONResponse(
                {"value": {"uploadUrlExpiresAt": expires, "uploadUrl": upload_url, kind: urn}}
            )

        @app.post("/li/rest/images")
        async def li_images_initialize(action: str, request: Request) -> Response:
            return await li_initialize(request, "image", action)

        @app.post("/li/rest/documents")
        async def li_documents_initialize(action: str, request: Request) -> Response:
            return await li_initialize(request, "document", action)

        @app.put("/li/dms-uploads/{token}")
        async def li_upload(token: str, request: Request) -> Response:
            user = self._user(request)
            if user is None:
                return self._li_error(401, "Invalid access token")
            fault = self._fault("put")
            if isinstance(fault, int):
                return self._li_error(fault, "scripted failure")
            media = self.media.get(self.upload_urls.get(token, ""))
            if media is None:
                return self._li_error(404, "unknown upload URL")
            if media.owner != user:
                return self._li_error(403, "the upload URL belongs to another member")
            if media.data is not None:
                return self._li_error(400, "the upload URL has been used already")
            data = await request.body()
            if not data:
                return self._li_error(400, "empty upload")
            media.data, media.mime_type = data, request.headers.get("content-type")
            media.polls_left = self.li_processing_polls
            media.ready = media.polls_left == 0
            self.requests.append(("linkedin", "media.put", {"urn": media.id}))
            if fault == "drop":
                return _Dropped()
            return Response(status_code=201)

        async def li_asset(request: Request, urn: str, kind: str) -> Response:
            user, error = li_checks(request)
            if error is not None:
                return error
            fault = self._fault("status")
            if isinstance(fault, int):
                return self._li_error(fault, "scripted failure")
            media = self.media.get(urn)
            if media is None or media.kind != kind or media.owner != user:
                return self._li_error(404, f"{urn} not found")
            if media.data is None:
                status = "WAITING_UPLOAD"
            elif media.polls_left > 0:
                media.polls_left -= 1
                status = "PROCESSING"
            else:
                media.ready, status = True, "AVAILABLE"
            self.requests.append(("linkedin", "media.status", {"urn": urn}))
            if fault == "drop":
                return _Dropped()
            return JSONResponse({"id": urn, "owner": f"urn:li:person:{user}", "status": status})

        @app.get("/li/rest/images/{urn}")
        async def li_image(urn: str, request: Request) -> Response:
            return await li_asset(request, urn, "image")

        @app.get("/li/rest/documents/{urn}")
        async def li_document(urn: str, request: Request) -> Response:
            return await li_asset(request, urn, "document")

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
