"""LinkedIn: three-legged OAuth, OpenID userinfo, the versioned Posts API and social actions.

Length: 3,000 characters, counted in UTF-16 code units as a browser's text box counts them, so an emoji
outside the Basic Multilingual Plane counts two; this errs on the side of a post LinkedIn accepts. No threads;
a first comment can be posted under the post right after it.

Media (learn.microsoft.com/linkedin/marketing/community-management/shares): an image goes up through the
Images API (`POST /rest/images?action=initializeUpload` -> `value.uploadUrl` and `value.image`, then the bytes
`PUT` to that URL), a document (PDF, PowerPoint, Word) through the Documents API the same way
(`value.document`); the asset is waited for until its status is AVAILABLE. The post names them in `content`:
one image as `media {id, altText}`, 2 to 20 as `multiImage.images[{id, altText}]`, a document as
`media {id, title}`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from api.platforms.base import (
    CharacterLimit,
    Identity,
    MediaRules,
    MediaUpload,
    OAuthClient,
    OAuthFlavour,
    PermanentError,
    PlatformPlugin,
    PostMedia,
    RemotePost,
    TransientError,
    check,
    utf16_length,
)

LINKEDIN_MAX_CHARS = 3000
LINKEDIN_MEDIA = MediaRules(
    images_per_post=20,  # a multiImage post takes 2 to 20
    image_types=("image/jpeg", "image/png", "image/gif"),
    documents=True,
    document_types=(
        "application/pdf",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    max_document_bytes=100_000_000,
    max_alt_text=4086,
    max_title=400,
)
# The Images and Documents APIs: path, and the key naming the asset's URN in `initializeUpload`'s answer.
_ASSET_API = {"image": ("images", "image"), "document": ("documents", "document")}


def linkedin_length(text: str) -> int:
    """Characters as a browser text box counts them (UTF-16 code units)."""
    return utf16_length(text)


class LinkedInClient(OAuthClient):
    """The member (OpenID userinfo), posts (`/rest/posts`), their comments and social-action counts."""

    def _rest(self, token: str) -> dict[str, str]:
        return self._auth(token) | {
            "LinkedIn-Version": self.settings.linkedin_api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def identity(self, access_token: str) -> Identity:
        response = self.http.get(f"{self.api}/v2/userinfo", headers=self._auth(access_token))
        body = check(response, "reading the LinkedIn member").json()
        return Identity(str(body["sub"]), str(body.get("name") or body["sub"]))

    # How long an uploaded asset's processing is waited for before the attempt counts as transient, and the
    # first wait between reads of its status (doubling up to 10 s).
    max_processing_seconds = 60.0
    processing_poll_seconds = 1.0

    def create_post(
        self,
        access_token: str,
        author_id: str,
        text: str,
        reply_to: str | None,
        media: Sequence[PostMedia] = (),
    ) -> str:
        payload: dict[str, Any] = {
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
        if media:
            self._check_post_media(media)
            payload["content"] = _content(media)
        response = self.http.post(f"{self.api}/rest/posts", json=payload, headers=self._rest(access_token))
        post_id = check(response, "posting to LinkedIn").headers.get("x-restli-id")
        if not isinstance(post_id, str) or not post_id:
            raise PermanentError("posting to LinkedIn: the answer carried no post id (x-restli-id)")
        return post_id

    def upload_media(self, access_token: str, author_id: str, media: MediaUpload) -> str:
        data = media.read()
        self._check_upload(media, data)
        path, key = _ASSET_API[media.kind]
        started = self.http.post(
            f"{self.api}/rest/{path}",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": f"urn:li:person:{author_id}"}},
            headers=self._rest(access_token),
        )
        value = check(started, f"starting a LinkedIn {media.kind} upload").json().get("value") or {}
        upload_url, urn = value.get("uploadUrl"), value.get(key)
        if not isinstance(upload_url, str) or not isinstance(urn, str) or not upload_url or not urn:
            raise PermanentError(
                f"starting a LinkedIn {media.kind} upload: the answer had no uploadUrl or {key}"
            )
        put = self.http.put(
            upload_url,
            content=data,
            headers=self._auth(access_token) | {"Content-Type": "application/octet-stream"},
        )
        check(put, f"uploading the {media.kind} to LinkedIn")
        self._wait_available(access_token, path, urn, media.kind)
        return urn

    def _wait_available(self, access_token: str, path: str, urn: str, kind: str) -> None:
        """Wait while LinkedIn processes the asset; PROCESSING_FAILED is permanent, a long wait transient."""
        deadline = time.monotonic() + self.max_processing_seconds
        wait = self.processing_poll_seconds
        while True:
            response = self.http.get(
                f"{self.api}/rest/{path}/{quote(urn, safe='')}", headers=self._rest(access_token)
            )
            status = check(response, f"checking the LinkedIn {kind}").json().get("status")
            if status == "AVAILABLE":
                return
            if status not in ("PROCESSING", "WAITING_UPLOAD"):
                raise PermanentError(f"LinkedIn could not process the {kind} ({status})")
            if time.monotonic() + wait > deadline:
                raise TransientError(f"LinkedIn is still processing the {kind}", None, wait)
            time.sleep(wait)
            wait = min(wait * 2, 10.0)

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


def _content(media: Sequence[PostMedia]) -> dict[str, Any]:
    """The post's `content`: a document or one image as `media`, several images as `multiImage`."""
    if media[0].kind == "document":
        return {"media": {"id": media[0].id, "title": media[0].title or "Document"}}
    entries = [{"id": m.id, **({"altText": m.alt_text} if m.alt_text else {})} for m in media]
    if len(entries) == 1:
        return {"media": entries[0]}
    return {"multiImage": {"images": entries}}


PLUGIN = PlatformPlugin(
    name="linkedin",
    display_name="LinkedIn",
    length=CharacterLimit(LINKEDIN_MAX_CHARS, counter=linkedin_length),
    threads=False,
    first_comment=True,
    prompt_rules=f"LinkedIn: at most {LINKEDIN_MAX_CHARS:,} characters; short paragraphs",
    settings_prefix="linkedin",
    # LinkedIn's web-app flow authenticates the client with its secret, in the form.
    oauth=OAuthFlavour(pkce=False, client_auth="body"),
    client=LinkedInClient,
    media=LINKEDIN_MEDIA,
)
