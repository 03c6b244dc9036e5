"""X (Twitter until 2023): API v2 with OAuth 2.0 user context (authorization code with PKCE).

Length: 280 *weighted* characters per tweet, as X counts them: most CJK characters and emoji weigh two, every
URL weighs 23 whatever its length. The counting comes from `twitter_text` (the twitter-text-parser package, a
port of X's own twitter-text configuration v3), not from `len()`. A thread is several tweets written in one
draft, separated by a line holding only `---`; each tweet must be valid on its own.

Media: up to 4 images, or one animated GIF (`tweet_gif`), per tweet, uploaded through the v2 chunked media
upload with its dedicated endpoints (docs.x.com/x-api/media: `POST /2/media/upload/initialize`,
`POST /2/media/upload/{id}/append`, `POST /2/media/upload/{id}/finalize`, then
`GET /2/media/upload?command=STATUS` while `processing_info` says pending or in_progress); X retired the
`command=INIT|APPEND|FINALIZE` form of `POST /2/media/upload` in 2025. Alt text goes through
`POST /2/media/metadata`; the tweet names the ids in `media.media_ids`. The token needs the `media.write`
scope.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from api.platforms.base import (
    THREAD_CONTENT_TYPE,
    Identity,
    LengthCheck,
    MediaRules,
    MediaUpload,
    OAuthClient,
    OAuthFlavour,
    PartLength,
    PermanentError,
    PlatformPlugin,
    PostMedia,
    RemotePost,
    TransientError,
    check,
    split_thread,
)

with warnings.catch_warnings():
    # twitter_text loads its emoji table through pkg_resources, which warns about its own deprecation.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    from twitter_text import parse_tweet

X_MAX_WEIGHTED_LENGTH = 280
X_MEDIA = MediaRules(
    images_per_post=4,
    image_types=("image/jpeg", "image/png", "image/webp", "image/gif"),
    max_image_bytes=5_000_000,
    type_max_bytes=(("image/gif", 15_000_000),),
    max_alt_text=1000,
)
# Each APPEND carries at most this many bytes (X takes segments of up to 5 MB).
X_SEGMENT_BYTES = 4 * 1024 * 1024


def x_weighted_length(text: str) -> int:
    """X's weighted length of one tweet."""
    return int(parse_tweet(text).weightedLength)


@dataclass(frozen=True, slots=True)
class XLength:
    """X's rule: weighted characters per tweet, threads checked tweet by tweet."""

    limit: int = X_MAX_WEIGHTED_LENGTH

    def count(self, text: str) -> int:
        return x_weighted_length(text)

    def check(self, platform: PlatformPlugin, content: str, content_type: str | None) -> LengthCheck:
        if content_type == THREAD_CONTENT_TYPE:
            parts: list[PartLength] = []
            problems: list[str] = []
            for index, text in enumerate(split_thread(content)):
                part, problem = self._measure(index, text)
                parts.append(part)
                if problem is not None:
                    problems.append(f"tweet {index + 1} of the thread {problem}")
            return LengthCheck(platform.name, not problems, parts, problems)
        part, problem = self._measure(0, content)
        problems = []
        if problem is not None:
            hint = " (make it a thread: content_type 'thread', tweets separated by '---' lines)"
            problems.append(f"the tweet {problem}" + (hint if part.length > self.limit else ""))
        return LengthCheck(platform.name, part.valid, [part], problems)

    def _measure(self, index: int, text: str) -> tuple[PartLength, str | None]:
        result = parse_tweet(text)
        length = int(result.weightedLength)
        part = PartLength(index, length, self.limit, bool(result.valid))
        if part.valid:
            return part, None
        if not text:
            return part, "is empty"
        if length > self.limit:
            return part, f"is {length} weighted characters; X allows {self.limit}"
        return part, "contains characters X does not accept"


class XClient(OAuthClient):
    """X API v2: the user, tweets (a reply continues a thread), the user's timeline and public metrics."""

    def identity(self, access_token: str) -> Identity:
        body = check(
            self.http.get(f"{self.api}/2/users/me", headers=self._auth(access_token)), "reading the X user"
        )
        data = body.json().get("data") or {}
        return Identity(str(data["id"]), str(data.get("username") or data["id"]))

    # Bytes per APPEND, and how long a GIF's processing is waited for before the attempt counts as transient.
    segment_bytes = X_SEGMENT_BYTES
    max_processing_seconds = 60.0

    def create_post(
        self,
        access_token: str,
        author_id: str,
        text: str,
        reply_to: str | None,
        media: Sequence[PostMedia] = (),
    ) -> str:
        payload: dict[str, Any] = {"text": text}
        if reply_to is not None:
            payload["reply"] = {"in_reply_to_tweet_id": reply_to}
        if media:
            self._check_post_media(media)
            payload["media"] = {"media_ids": [m.id for m in media]}
        response = self.http.post(f"{self.api}/2/tweets", json=payload, headers=self._auth(access_token))
        return str(check(response, "posting to X").json()["data"]["id"])

    def upload_media(self, access_token: str, author_id: str, media: MediaUpload) -> str:
        data = media.read()
        self._check_upload(media, data)
        headers = self._auth(access_token)
        # An animated GIF is X's `tweet_gif` (processed, alone in its tweet); a still GIF is an image.
        category = "tweet_gif" if media.mime_type == "image/gif" and _gif_frames(data) > 1 else "tweet_image"
        started = self.http.post(
            f"{self.api}/2/media/upload/initialize",
            json={"total_bytes": len(data), "media_type": media.mime_type, "media_category": category},
            headers=headers,
        )
        media_id = _data(check(started, "starting an X media upload"), "starting an X media upload").get("id")
        if not isinstance(media_id, str) or not media_id:
            raise PermanentError("starting an X media upload: X answered without a media id")
        for index, start in enumerate(range(0, len(data), self.segment_bytes)):
            segment = data[start : start + self.segment_bytes]
            appended = self.http.post(
                f"{self.api}/2/media/upload/{media_id}/append",
                data={"segment_index": str(index)},
                files={"media": ("media", segment, "application/octet-stream")},
                headers=headers,
            )
            check(appended, f"uploading part {index + 1} of the X media")
        finished = self.http.post(f"{self.api}/2/media/upload/{media_id}/finalize", headers=headers)
        info = _data(check(finished, "finishing the X media upload"), "finishing the X media upload").get(
            "processing_info"
        )
        self._wait_processed(headers, media_id, info)
        if media.alt_text:
            described = self.http.post(
                f"{self.api}/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt_text}}},
                headers=headers,
            )
            check(described, "setting the X media's alt text")
        return media_id

    def _wait_processed(self, headers: dict[str, str], media_id: str, info: Any) -> None:
        """Poll STATUS while X processes the upload (GIFs); a failure is permanent, a long wait transient."""
        deadline = time.monotonic() + self.max_processing_seconds
        while isinstance(info, dict) and info.get("state") in ("pending", "in_progress"):
            after = info.get("check_after_secs")
            wait = float(after) if isinstance(after, int | float) and after >= 0 else 1.0
            if time.monotonic() + wait > deadline:
                raise TransientError("X is still processing the media", None, wait)
            time.sleep(wait)
            status = self.http.get(
                f"{self.api}/2/media/upload",
                params={"command": "STATUS", "media_id": media_id},
                headers=headers,
            )
            info = _data(check(status, "checking the X media's processing"), "checking the X media").get(
                "processing_info"
            )
        if isinstance(info, dict) and info.get("state") == "failed":
            error = info.get("error")
            reason = (error.get("message") or error.get("name")) if isinstance(error, dict) else None
            reason = reason or "processing failed"
            raise PermanentError(f"X could not process the media: {reason}")

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


def _gif_frames(data: bytes, enough: int = 2) -> int:
    """How many frames (image descriptors) a GIF has, counting up to `enough`: its blocks are walked as the
    GIF89a specification lays them out; a malformed file counts what was found before the damage."""
    frames, at = 0, 13
    if len(data) < 13 or not data.startswith((b"GIF87a", b"GIF89a")):
        return 0
    if data[10] & 0x80:  # a global colour table follows the logical screen descriptor
        at += 3 * 2 ** ((data[10] & 0x07) + 1)
    while at < len(data) and frames < enough:
        block = data[at]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then data sub-blocks
            at += 2
        elif block == 0x2C:  # image descriptor, local colour table, LZW code size, then data sub-blocks
            frames += 1
            packed = data[at + 9] if at + 9 < len(data) else 0
            at += 10 + (3 * 2 ** ((packed & 0x07) + 1) if packed & 0x80 else 0) + 1
        else:
            break
        while at < len(data) and data[at]:
            at += data[at] + 1
        at += 1
    return frames


def _data(response: httpx.Response, what: str) -> dict[str, Any]:
    """The `data` object of an X answer, or a permanent error naming the call."""
    body = response.json()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise PermanentError(f"{what}: X answered without the media's data")
    return data


PLUGIN = PlatformPlugin(
    name="twitter",
    display_name="X",
    aliases=("x",),  # X was Twitter until 2023: exports and clients say either
    length=XLength(),
    threads=True,
    first_comment=False,
    prompt_rules=f"X: at most {X_MAX_WEIGHTED_LENGTH} characters",
    settings_prefix="x",
    # Confidential clients authenticate with HTTP Basic; public ones send only client_id.
    oauth=OAuthFlavour(pkce=True, client_auth="basic"),
    client=XClient,
    media=X_MEDIA,
)
