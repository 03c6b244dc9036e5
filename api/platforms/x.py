"""X (Twitter until 2023): API v2 with OAuth 2.0 user context (authorization code with PKCE).

Length: 280 *weighted* characters per tweet, as X counts them: most CJK characters and emoji weigh two, every
URL weighs 23 whatever its length. The counting comes from `twitter_text` (the twitter-text-parser package, a
port of X's own twitter-text configuration v3), not from `len()`. A thread is several tweets written in one
draft, separated by a line holding only `---`; each tweet must be valid on its own.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from api.platforms.base import (
    THREAD_CONTENT_TYPE,
    Identity,
    LengthCheck,
    OAuthClient,
    OAuthFlavour,
    PartLength,
    PlatformPlugin,
    RemotePost,
    check,
    split_thread,
)

with warnings.catch_warnings():
    # twitter_text loads its emoji table through pkg_resources, which warns about its own deprecation.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    from twitter_text import parse_tweet

X_MAX_WEIGHTED_LENGTH = 280


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
)
