"""Profile, onboarding, export and erasure; one user never sees or changes another's data."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from api.auth.models import RefreshToken, User
from api.core.config import get_settings
from api.core.mail import outbox_messages
from api.history.models import UserPost
from tests.conftest import TEST_PASSWORD

ONBOARDING = {
    "company": "Acme Robotics",
    "role": "Head of Product",
    "niche": "industrial automation",
    "tone": "educational",
    "platforms": ["linkedin", "twitter"],
    "goals": ["grow audience", "hire engineers"],
    "timezone": "Europe/Paris",
}


class TestProfile:
    def test_get_profile_is_the_callers_own(self, client, user_factory, auth_headers):
        me = user_factory(name="Me")
        user_factory(name="Someone else")
        body = client.get("/api/users/profile", headers=auth_headers(me)).json()
        assert body["id"] == str(me.id)
        assert body["name"] == "Me"
        assert "password_hash" not in body

    def test_partial_update_changes_only_sent_fields(self, client, user_factory, auth_headers):
        me = user_factory(name="Me", company="Old Co")
        response = client.put("/api/users/profile", json={"niche": "fintech"}, headers=auth_headers(me))
        assert response.status_code == 200
        assert response.json()["niche"] == "fintech"
        assert response.json()["company"] == "Old Co"
        assert response.json()["name"] == "Me"

    def test_updated_at_really_updates(self, client, user_factory, auth_headers, db):
        me = user_factory()
        before = db.scalar(select(User.updated_at).where(User.id == me.id))
        # now() is the transaction's start time, so compare with the database's clock after a new savepoint.
        client.put("/api/users/profile", json={"role": "CTO"}, headers=auth_headers(me))
        db.expire_all()
        after = db.scalar(select(User.updated_at).where(User.id == me.id))
        assert after >= before
        assert db.scalar(select(User.role).where(User.id == me.id)) == "CTO"

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"unknown": 1}, "unknown"),
            ({"tone": "angry"}, "tone"),
            ({"platforms": ["myspace"]}, "platforms"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"timezone": "../../etc/passwd"}, "timezone"),
            ({"goals": [""]}, "goals"),
            ({"name": ""}, "name"),
            ({"name": None}, "name"),
            ({"email": "not-an-email", "current_password": TEST_PASSWORD}, "email"),
        ],
    )
    def test_invalid_update_is_422_naming_the_field(self, client, user_factory, auth_headers, payload, field):
        response = client.put("/api/users/profile", json=payload, headers=auth_headers(user_factory()))
        assert response.status_code == 422
        assert any(field in entry["loc"] for entry in response.json()["detail"])

    def test_email_change_needs_the_current_password(self, client, user_factory, auth_headers):
        me = user_factory()
        headers = auth_headers(me)
        missing = client.put("/api/users/profile", json={"email": "new@example.com"}, headers=headers)
        assert missing.status_code == 422
        assert missing.json()["detail"][0]["loc"] == ["body", "current_password"]
        wrong = client.put(
            "/api/users/profile",
            json={"email": "new@example.com", "current_password": "nope nope nope"},
            headers=headers,
        )
        assert wrong.status_code == 422
        ok = client.put(
            "/api/users/profile",
            json={"email": "New@Example.com", "current_password": TEST_PASSWORD},
            headers=headers,
        )
        assert ok.status_code == 200
        # Nothing changes until the new address confirms it.
        assert ok.json()["email"] == me.email and ok.json()["pending_email"] == "new@example.com"
        [message] = [m for m in outbox_messages(get_settings()) if "To: new@example.com" in m]
        token = re.search(r"Token: (\S+)", message)[1]
        assert token not in str(ok.json())
        confirmed = client.post("/api/users/email/confirm", json={"token": token})
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["email"] == "new@example.com" and confirmed.json()["pending_email"] is None
        again = client.post("/api/users/email/confirm", json={"token": token})
        assert again.status_code == 403  # used once

    def test_an_address_taken_by_someone_else_is_not_revealed(self, client, user_factory, auth_headers):
        user_factory(email="taken@example.com")
        me, other = user_factory(), user_factory()
        sent_before = len(outbox_messages(get_settings()))
        taken = client.put(
            "/api/users/profile",
            json={"email": "TAKEN@example.com", "current_password": TEST_PASSWORD},
            headers=auth_headers(me),
        )
        free = client.put(
            "/api/users/profile",
            json={"email": "free-address@example.com", "current_password": TEST_PASSWORD},
            headers=auth_headers(other),
        )
        assert taken.status_code == free.status_code == 200
        assert set(taken.json()) == set(free.json()) and taken.json()["pending_email"] == "taken@example.com"
        sent = outbox_messages(get_settings())[sent_before:]
        assert len(sent) == 1 and "To: free-address@example.com" in sent[0]  # nothing goes to the taken one

    def test_wrong_current_passwords_are_throttled(self, client, user_factory, auth_headers):
        me = user_factory()
        headers = auth_headers(me)
        limit = int(get_settings().rate_limit_password_checks.split("/")[0])
        body = {"new_password": "another long passphrase", "current_password": "wrong guess!"}
        statuses = [
            client.put("/api/users/profile", json=body, headers=headers).status_code for _ in range(limit + 1)
        ]
        assert statuses == [422] * limit + [429]
        right = body | {"current_password": TEST_PASSWORD}
        assert client.put("/api/users/profile", json=right, headers=headers).status_code == 429
        erase = client.request(
            "DELETE", "/api/users/profile", json={"password": "wrong guess!"}, headers=headers
        )
        assert erase.status_code == 429

    def test_password_change_signs_out_other_sessions(self, client, user_factory, auth_headers, db):
        me = user_factory(email="pw@example.com")
        session = client.post(
            "/api/auth/login", json={"email": "pw@example.com", "password": TEST_PASSWORD}
        ).json()
        response = client.put(
            "/api/users/profile",
            json={"new_password": "a brand new passphrase", "current_password": TEST_PASSWORD},
            headers=auth_headers(me),
        )
        assert response.status_code == 200
        assert (
            client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}).status_code
            == 401
        )
        assert (
            client.post(
                "/api/auth/login", json={"email": "pw@example.com", "password": "a brand new passphrase"}
            ).status_code
            == 200
        )

    def test_new_password_follows_the_password_rules(self, client, user_factory, auth_headers):
        response = client.put(
            "/api/users/profile",
            json={"new_password": "short", "current_password": TEST_PASSWORD},
            headers=auth_headers(user_factory()),
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "password"]


class TestOnboarding:
    def test_onboarding_fills_the_profile(self, client, user_factory, auth_headers):
        me = user_factory()
        response = client.post("/api/users/onboarding", json=ONBOARDING, headers=auth_headers(me))
        assert response.status_code == 200
        body = response.json()
        assert body["onboarded"] is True
        assert body["platforms"] == ["linkedin", "twitter"]
        assert body["timezone"] == "Europe/Paris"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"platforms": []}, "platforms"),
            ({"platforms": ["linkedin", "facebook"]}, "platforms"),
            ({"tone": "sarcastic"}, "tone"),
            ({"goals": []}, "goals"),
            ({"goals": ["x" * 201]}, "goals"),
            ({"timezone": "Not/AZone"}, "timezone"),
            ({"company": ""}, "company"),
            ({"extra": "field"}, "extra"),
        ],
    )
    def test_invalid_onboarding_is_422(self, client, user_factory, auth_headers, change, field):
        response = client.post(
            "/api/users/onboarding", json=ONBOARDING | change, headers=auth_headers(user_factory())
        )
        assert response.status_code == 422
        assert any(field in entry["loc"] for entry in response.json()["detail"])

    def test_duplicate_platforms_are_collapsed(self, client, user_factory, auth_headers):
        response = client.post(
            "/api/users/onboarding",
            json=ONBOARDING | {"platforms": ["twitter", "twitter"]},
            headers=auth_headers(user_factory()),
        )
        assert response.json()["platforms"] == ["twitter"]


def _post(db, user, text):
    db.add(
        UserPost(
            user_id=user.id,
            platform="twitter",
            content=text,
            posted_at=datetime.now(UTC),
            engagement_metrics={"likes": 3},
        )
    )
    db.commit()


class TestExportAndErasure:
    def test_export_has_my_data_and_nothing_of_others(self, client, user_factory, auth_headers, db):
        me, other = user_factory(), user_factory()
        _post(db, me, "my post")
        _post(db, other, "their secret post")
        response = client.get("/api/users/export", headers=auth_headers(me))
        assert response.status_code == 200
        assert "attachment" in response.headers["content-disposition"]
        body = response.json()
        assert [p["content"] for p in body["posts"]] == ["my post"]
        assert "their secret post" not in response.text
        assert "password_hash" not in response.text
        assert body["profile"]["id"] == str(me.id)

    def test_a_large_export_is_streamed_as_one_valid_document(self, client, user_factory, auth_headers, db):
        me = user_factory()
        db.add_all(
            UserPost(
                user_id=me.id,
                platform="twitter",
                content=f"post {i}",
                posted_at=datetime(2024, 1, 1, tzinfo=UTC),
            )
            for i in range(2500)
        )
        db.commit()
        with client.stream("GET", "/api/users/export", headers=auth_headers(me)) as response:
            assert response.status_code == 200
            assert "content-length" not in response.headers  # sent as it is read, not built in memory
            chunks = list(response.iter_bytes())
        body = json.loads(b"".join(chunks))
        assert len(body["posts"]) == 2500 and body["posts"][0]["content"].startswith("post ")
        assert set(body) == {
            "exported_at",
            "profile",
            "posts",
            "drafts",
            "recurring_schedules",
            "workspaces",
            "comments",
            "activity",
            "tone_analysis",
        }

    def test_delete_erases_the_account_and_everything_it_owns(self, client, user_factory, auth_headers, db):
        me, other = user_factory(email="gone@example.com"), user_factory()
        _post(db, me, "bye")
        _post(db, other, "stays")
        client.post("/api/auth/login", json={"email": "gone@example.com", "password": TEST_PASSWORD})
        headers = auth_headers(me)
        response = client.request(
            "DELETE", "/api/users/profile", json={"password": TEST_PASSWORD}, headers=headers
        )
        assert response.status_code == 204
        db.expire_all()
        assert db.get(User, me.id) is None
        assert db.scalar(select(func.count()).select_from(UserPost).where(UserPost.user_id == me.id)) == 0
        assert (
            db.scalar(select(func.count()).select_from(RefreshToken).where(RefreshToken.user_id == me.id))
            == 0
        )
        assert db.scalar(select(func.count()).select_from(UserPost).where(UserPost.user_id == other.id)) == 1
        assert client.get("/api/users/profile", headers=headers).status_code == 401

    def test_delete_needs_the_password(self, client, user_factory, auth_headers, db):
        me = user_factory()
        response = client.request(
            "DELETE", "/api/users/profile", json={"password": "wrong wrong"}, headers=auth_headers(me)
        )
        # At the field, and the session stays valid (a 401 would tell clients to sign in again).
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "password"]
        assert client.get("/api/users/profile", headers=auth_headers(me)).status_code == 200
        assert db.get(User, me.id) is not None
