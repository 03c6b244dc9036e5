"""Connecting accounts over OAuth 2.0 (PKCE for X), tokens encrypted at rest, and the publishing API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text

from api.accounts.models import ConnectedAccount
from api.content.models import ContentDraft
from api.core.config import get_settings
from api.core.crypto import decrypt
from api.publishing.models import PublishAttempt
from testkit.fake_platforms import FakePlatforms
from testkit.support import personal_scope


def connect(client, headers, fake: FakePlatforms, platform: str = "x", user: str = "4242") -> dict:
    answer = client.get(f"/api/accounts/{platform}/connect", headers=headers)
    assert answer.status_code == 200, answer.text
    query = parse_qs(urlsplit(answer.json()["authorization_url"]).query)
    name = "twitter" if platform == "x" else platform
    code = fake.approve(name, query.get("code_challenge", [None])[0], query["redirect_uri"][0], user)
    return {"code": code, "state": query["state"][0], "query": query}


def test_x_connects_with_pkce_and_its_tokens_are_encrypted(client, user_factory, auth_headers, platforms, db):
    user = user_factory()
    flow = connect(client, auth_headers(user), platforms)
    query = flow["query"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == ["https://postwright.example/accounts/twitter/callback"]
    assert "offline.access" in query["scope"][0] and query["client_id"] == ["x-client"]

    # The browser comes back without a bearer token: the state identifies the user.
    answer = client.get("/api/accounts/x/callback", params={"code": flow["code"], "state": flow["state"]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["handle"] == "ada_4242" and body["status"] == "active"
    assert not any("token" in key and "expires" not in key for key in body)

    stored = db.execute(
        text(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM connected_accounts "
            "WHERE user_id = :u"
        ),
        {"u": user.id},
    ).one()
    issued = [t for t, grant in platforms.access.items() if grant["user"] == "4242"]
    assert issued and issued[0] not in stored[0] and decrypt(stored[0]) == issued[0]
    assert decrypt(stored[1]) in platforms.refresh

    listed = client.get("/api/accounts", headers=auth_headers(user)).json()["items"]
    assert [(a["platform"], a["handle"]) for a in listed] == [("twitter", "ada_4242")]
    assert issued[0] not in str(listed)


def test_a_state_works_once_and_cannot_be_forged(client, user_factory, auth_headers, platforms):
    user = user_factory()
    flow = connect(client, auth_headers(user), platforms)
    params = {"code": flow["code"], "state": flow["state"]}
    assert client.get("/api/accounts/twitter/callback", params=params).status_code == 200
    replay = client.get("/api/accounts/twitter/callback", params=params)
    assert replay.status_code == 403 and "already used" in replay.json()["detail"]

    forged = client.get("/api/accounts/twitter/callback", params={"code": "c", "state": "eyJhbGciOi.x.y"})
    assert forged.status_code == 403
    other = connect(client, auth_headers(user), platforms)
    crossed = client.get(
        "/api/accounts/linkedin/callback", params={"code": other["code"], "state": other["state"]}
    )
    assert crossed.status_code == 403 and "another platform" in crossed.json()["detail"]
    # Only the newest few pending authorisations of a user stay usable.
    oldest = connect(client, auth_headers(user), platforms)
    for _ in range(5):
        connect(client, auth_headers(user), platforms)
    expired = client.get(
        "/api/accounts/x/callback", params={"code": oldest["code"], "state": oldest["state"]}
    )
    assert expired.status_code == 403
    denied = connect(client, auth_headers(user), platforms)
    refused = client.get(
        "/api/accounts/x/callback", params={"state": denied["state"], "error": "access_denied"}
    )
    assert refused.status_code == 403 and "access_denied" in refused.json()["detail"]


def test_linkedin_connects_without_pkce_and_with_its_secret(
    client, user_factory, auth_headers, platforms, monkeypatch
):
    monkeypatch.setattr(get_settings(), "linkedin_client_secret", SecretStr("li-secret"))
    user = user_factory()
    flow = connect(client, auth_headers(user), platforms, "linkedin", "abc123")
    assert "code_challenge" not in flow["query"]
    answer = client.get(
        "/api/accounts/linkedin/callback", params={"code": flow["code"], "state": flow["state"]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["handle"] == "Ada Lovelace"
    token_request = next(r for r in platforms.requests if r[0] == "linkedin" and r[1] == "token")
    assert token_request[2]["client_secret"] == "li-secret"


def test_an_unconfigured_platform_says_which_setting_is_missing(
    client, user_factory, auth_headers, monkeypatch
):
    monkeypatch.setattr(get_settings(), "x_client_id", None)
    answer = client.get("/api/accounts/x/connect", headers=auth_headers(user_factory()))
    assert answer.status_code == 503 and "X_CLIENT_ID" in answer.json()["detail"]
    assert answer.headers["Retry-After"]


def test_another_users_account_and_draft_are_404(client, user_factory, auth_headers, platforms, db):
    owner, stranger = user_factory(), user_factory()
    flow = connect(client, auth_headers(owner), platforms)
    account_id = client.get(
        "/api/accounts/x/callback", params={"code": flow["code"], "state": flow["state"]}
    ).json()["id"]
    draft = ContentDraft(
        user_id=owner.id, platform="twitter", content="Mine", status="failed", last_error="x"
    )
    db.add(draft)
    db.commit()
    for method, path in [
        ("DELETE", f"/api/accounts/{account_id}"),
        ("POST", f"/api/content/drafts/{draft.id}/retry"),
        ("GET", f"/api/content/drafts/{draft.id}/attempts"),
        ("POST", f"/api/content/drafts/{draft.id}/queue"),
    ]:
        assert client.request(method, path, headers=auth_headers(stranger)).status_code == 404, path
    assert client.delete(f"/api/accounts/{account_id}", headers=auth_headers(owner)).status_code == 204
    assert db.scalar(select(ConnectedAccount).where(ConnectedAccount.user_id == owner.id)) is None


def test_a_draft_shows_its_attempts_and_a_failed_one_can_be_retried(client, user_factory, auth_headers, db):
    user = user_factory()
    draft = ContentDraft(user_id=user.id, platform="twitter", content="Try me", status="failed",
                         scheduled_for=datetime.now(UTC) - timedelta(hours=2), publish_attempts=1,
                         last_error="posting to X: 403 You are not allowed")  # fmt: skip
    db.add(draft)
    db.flush()
    db.add(PublishAttempt(draft_id=draft.id, number=1, outcome="failed", error="403 You are not allowed",
                          http_status=403, posted_ids=[]))  # fmt: skip
    db.commit()
    headers = auth_headers(user)
    shown = client.get(f"/api/content/drafts/{draft.id}", headers=headers).json()
    assert shown["publish_attempts"] == 1 and "403" in shown["last_error"] and shown["external_url"] is None
    attempts = client.get(f"/api/content/drafts/{draft.id}/attempts", headers=headers).json()["items"]
    assert [(a["number"], a["outcome"], a["http_status"]) for a in attempts] == [(1, "failed", 403)]

    retried = client.post(f"/api/content/drafts/{draft.id}/retry", headers=headers)
    assert retried.status_code == 200, retried.text
    body = retried.json()
    assert body["status"] == "scheduled"
    assert abs(datetime.fromisoformat(body["scheduled_for"]) - datetime.now(UTC)) < timedelta(minutes=1)
    again = client.post(f"/api/content/drafts/{draft.id}/retry", headers=headers)
    assert again.status_code == 409


def test_first_comment_is_for_linkedin_only(client, user_factory, auth_headers):
    headers = auth_headers(user_factory())
    bad = client.post("/api/content/drafts", headers=headers,
                      json={"platform": "x", "content": "Hi", "first_comment": "more"})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "first_comment"]
    good = client.post("/api/content/drafts", headers=headers,
                       json={"platform": "linkedin", "content": "Hi", "first_comment": "more"})  # fmt: skip
    assert good.status_code == 201 and good.json()["first_comment"] == "more"


@pytest.fixture
def berlin_user(user_factory):
    return user_factory(timezone="Europe/Berlin")


def test_add_to_queue_takes_the_next_free_slot_at_the_same_local_time_across_dst(
    client, berlin_user, auth_headers, db
):
    from api.publishing import queue

    headers = auth_headers(berlin_user)
    made = client.post(
        "/api/queue/slots", headers=headers, json={"platform": "x", "day_of_week": 0, "time": "09:00"}
    )
    assert made.status_code == 201, made.text
    twice = client.post(
        "/api/queue/slots", headers=headers, json={"platform": "x", "day_of_week": 0, "time": "09:00"}
    )
    assert twice.status_code == 409
    bad = client.post(
        "/api/queue/slots", headers=headers, json={"platform": "x", "day_of_week": 7, "time": "09:00"}
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "day_of_week"]

    # Sunday 18 October 2026 is summer time in Berlin (UTC+2); the 25th is the first Sunday after the change.
    now = datetime(2026, 10, 12, 12, tzinfo=UTC)
    first, second = (
        ContentDraft(user_id=berlin_user.id, platform="twitter", content=f"Queued {i}", status="draft")
        for i in range(2)
    )
    db.add_all([first, second])
    db.commit()
    one = queue.add_to_queue(db, personal_scope(db, berlin_user.id), berlin_user, first.id, None, now=now)
    two = queue.add_to_queue(db, personal_scope(db, berlin_user.id), berlin_user, second.id, None, now=now)
    assert one.scheduled_for == datetime(2026, 10, 18, 7, tzinfo=UTC)  # 09:00 CEST
    assert two.scheduled_for == datetime(2026, 10, 25, 8, tzinfo=UTC)  # 09:00 CET, the next free Sunday

    listed = client.get("/api/queue/slots", headers=headers).json()
    assert listed["timezone"] == "Europe/Berlin" and listed["items"][0]["day_of_week"] == 0
    slot_id = listed["items"][0]["id"]
    assert client.delete(f"/api/queue/slots/{slot_id}", headers=headers).status_code == 204
    draft = ContentDraft(user_id=berlin_user.id, platform="twitter", content="No slot", status="draft")
    db.add(draft)
    db.commit()
    none = client.post(f"/api/content/drafts/{draft.id}/queue", headers=headers)
    assert none.status_code == 409 and "POST /api/queue/slots" in none.json()["detail"]
    assert client.delete(f"/api/queue/slots/{uuid.uuid4()}", headers=headers).status_code == 404


def test_slot_suggestions_come_from_the_users_best_day_and_hour(client, user_factory, auth_headers, db):
    from tests.analytics.test_analytics import add_post

    me = user_factory(timezone="America/New_York")
    start = datetime(2024, 1, 1, 15, tzinfo=UTC)  # a Monday, 10:00 in New York
    for week in range(12):
        for offset in range(5):
            rate = 0.08 if offset == 1 else 0.02  # Tuesdays do four times better
            add_post(
                db, me, start + timedelta(weeks=week, days=offset), likes=round(1000 * rate), impressions=1000
            )
    db.commit()
    answer = client.get("/api/queue/suggestions", params={"platform": "x"}, headers=auth_headers(me))
    assert answer.status_code == 200, answer.text
    first = answer.json()["items"][0]
    assert (first["day_of_week"], first["time"]) == (2, "10:00:00")  # Tuesday, Sunday = 0
    assert "Tuesdays" in first["reason"] and "above your average" in first["reason"]

    newcomer = client.get(
        "/api/queue/suggestions", params={"platform": "x"}, headers=auth_headers(user_factory())
    )
    assert newcomer.status_code == 200 and newcomer.json()["items"] == []


def test_production_refuses_to_start_without_an_encryption_key(monkeypatch):
    from api.core.config import ConfigurationError, Settings

    strong = "k3y-" + "".join(chr(65 + i) for i in range(40))
    settings = Settings(environment="production", jwt_secret=strong, token_encryption_key=None)
    with pytest.raises(ConfigurationError, match="TOKEN_ENCRYPTION_KEY"):
        settings.encryption_keys()
    rotated = Settings(environment="production", jwt_secret=strong, token_encryption_key="new-key, old-key")
    assert rotated.encryption_keys() == ["new-key", "old-key"]


def test_rotating_the_key_keeps_old_secrets_readable(monkeypatch):
    from cryptography.fernet import Fernet

    from api.core import crypto

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = get_settings()
    monkeypatch.setattr(settings, "token_encryption_key", SecretStr(old))
    crypto.clear_cache()
    try:
        sealed = crypto.encrypt("a-platform-token")
        monkeypatch.setattr(settings, "token_encryption_key", SecretStr(f"{new},{old}"))
        crypto.clear_cache()
        assert crypto.decrypt(sealed) == "a-platform-token"
        monkeypatch.setattr(settings, "token_encryption_key", SecretStr(new))
        crypto.clear_cache()
        with pytest.raises(crypto.UndecryptableSecret, match="keep retired keys"):
            crypto.decrypt(sealed)
    finally:
        monkeypatch.undo()
        crypto.clear_cache()
