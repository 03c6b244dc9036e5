"""LinkedIn: three-legged OAuth, OpenID userinfo, the versioned Posts API and social actions.

Length: 3,000 characters, counted in UTF-16 code units as a browser's text box counts them, so an emoji
outside the Basic Multilingual Plane counts two; this errs on the side of a post LinkedIn accepts. No threads;
a first comment can be posted under the post right after it.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from api.platforms.base import (
    CharacterLimit,
    Identity,
    OAuthClient,
    OAuthFlavour,
    PermanentError,
    PlatformPlugin,
    RemotePost,
    check,
    utf16_length,
)

LINKEDIN_MAX_CHARS = 3000


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
)
