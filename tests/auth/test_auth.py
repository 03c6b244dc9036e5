"""The account and token life cycle, end to end over HTTP against PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select, update

from api.auth import service as auth_service
from api.auth.models import RefreshToken
from api.core.config import get_settings
from api.core.security import hash_refresh_token
from tests.conftest import TEST_PASSWORD

PASSWORD = "correct horse battery staple"


def register(client, email="ada@example.com", password=PASSWORD, name="Ada"):
    return client.post("/api/auth/register", json={"email": email, "password": password, "name": name})


def login(client, email="ada@example.com", password=PASSWORD):
    return client.post("/api/auth/login", json={"email": email, "password": password})


class TestRegister:
    def test_creates_user_without_revealing_the_hash(self, client):
        response = register(client, email="Ada@Example.COM")
        assert response.status_code == 201
        body = response.json()
        assert body["email"] == "ada@example.com"
        assert "password" not in response.text and "hash" not in response.text
        assert body["onboarded"] is False

    def test_duplicate_email_is_409_case_insensitively(self, client):
        assert register(client).status_code == 201
        response = register(client, email="ADA@example.com")
        assert response.status_code == 409
        assert response.json()["error"] == "conflict"

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"email": "not-an-email", "password": PASSWORD, "name": "A"}, "email"),
            ({"email": "a@example.com", "password": "short", "name": "A"}, "password"),
            ({"email": "a@example.com", "password": " padded password ", "name": "A"}, "password"),
            ({"email": "a@example.com", "password": "a@example.com", "name": "A"}, "password"),
            ({"email": "a@example.com", "password": "x" * 300, "name": "A"}, "password"),
            ({"email": "a@example.com", "password": PASSWORD, "name": ""}, "name"),
            ({"email": "a@example.com", "password": PASSWORD}, "name"),
            ({"email": "a@example.com", "password": PASSWORD, "name": "A", "is_admin": True}, "is_admin"),
        ],
    )
    def test_invalid_input_is_422_naming_the_field(self, client, payload, field):
        response = client.post("/api/auth/register", json=payload)
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "validation_error"
        assert any(field in entry["loc"] for entry in body["detail"])

    def test_password_is_stored_as_argon2(self, client, db):
        register(client)
        user = auth_service.get_user_by_email(db, "ada@example.com")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


class TestLogin:
    def test_json_login_returns_a_token_pair(self, client):
        register(client)
        response = login(client, email="ADA@example.com")
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == get_settings().access_token_ttl_seconds
        profile = client.get(
            "/api/users/profile", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert profile.status_code == 200
        assert profile.json()["email"] == "ada@example.com"

    def test_oauth2_form_login_for_swagger(self, client):
        register(client)
        response = client.post("/api/auth/token", data={"username": "ada@example.com", "password": PASSWORD})
        assert response.status_code == 200
        assert response.json()["access_token"]

    def test_form_login_with_a_non_email_username_is_an_unknown_account(self, client):
        response = client.post("/api/auth/token", data={"username": "ada", "password": PASSWORD})
        assert response.status_code == 401
        too_long = client.post("/api/auth/token", data={"username": "a" * 400, "password": PASSWORD})
        assert too_long.status_code == 422 and too_long.json()["detail"][0]["loc"] == ["body", "username"]

    def test_wrong_password_and_unknown_email_look_the_same(self, client):
        register(client)
        wrong = login(client, password="not the password at all")
        unknown = login(client, email="nobody@example.com")
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()

    def test_unknown_email_still_verifies_a_hash(self, client, monkeypatch):
        # Same work for unknown emails: an attacker cannot time which emails have accounts.
        calls = []
        real_verify = auth_service.verify_password
        monkeypatch.setattr(
            auth_service, "verify_password", lambda p, h: calls.append(h) or real_verify(p, h)
        )
        assert login(client, email="nobody@example.com").status_code == 401
        assert len(calls) == 1 and calls[0].startswith("$argon2id$")


class TestTokens:
    def _pair(self, client):
        register(client)
        return login(client).json()

    def test_refresh_rotates_and_spends_the_old_token(self, client):
        first = self._pair(client)
        response = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert response.status_code == 200
        second = response.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        again = client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert again.status_code == 200

    def test_reused_token_revokes_the_whole_family(self, client, db):
        first = self._pair(client)
        second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
        # The attacker (or the victim) presents the spent token again.
        reuse = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert reuse.status_code == 401
        assert "reuse" in reuse.json()["detail"]
        # The legitimate newest token of that login is dead too.
        after = client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert after.status_code == 401
        family = db.scalars(
            select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(second["refresh_token"]))
        ).one()
        assert family.revoked_at is not None

    def test_reuse_leaves_other_logins_alone(self, client):
        first = self._pair(client)
        other_login = login(client).json()
        client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        response = client.post("/api/auth/refresh", json={"refresh_token": other_login["refresh_token"]})
        assert response.status_code == 200

    def test_logout_revokes_the_family(self, client):
        first = self._pair(client)
        second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
        assert (
            client.post("/api/auth/logout", json={"refresh_token": second["refresh_token"]}).status_code
            == 204
        )
        response = client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert response.status_code == 401
        # Logging out twice is harmless.
        assert (
            client.post("/api/auth/logout", json={"refresh_token": second["refresh_token"]}).status_code
            == 204
        )

    def test_unknown_refresh_token_is_401(self, client):
        response = client.post("/api/auth/refresh", json={"refresh_token": "made-up"})
        assert response.status_code == 401
        assert client.post("/api/auth/logout", json={"refresh_token": "made-up"}).status_code == 401

    def test_expired_refresh_token_is_401(self, client, db):
        pair = self._pair(client)
        db.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == hash_refresh_token(pair["refresh_token"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        response = client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    def test_refresh_tokens_are_stored_hashed(self, client, db):
        pair = self._pair(client)
        stored = db.scalars(select(RefreshToken.token_hash)).all()
        assert pair["refresh_token"] not in stored
        assert hash_refresh_token(pair["refresh_token"]) in stored


class TestAccessTokens:
    def _token(self, user_id, **overrides):
        settings = get_settings()
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "iss": settings.jwt_issuer,
            "iat": now,
            "exp": now + timedelta(minutes=5),
            "type": "access",
        } | overrides
        return jwt.encode(claims, settings.jwt_signing_key(), algorithm=settings.jwt_algorithm)

    def test_missing_token_is_401_with_www_authenticate(self, client):
        response = client.get("/api/users/profile")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthorized"

    def test_expired_token_is_401(self, client, user_factory):
        user = user_factory()
        token = self._token(user.id, exp=datetime.now(UTC) - timedelta(seconds=1))
        assert (
            client.get("/api/users/profile", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        )

    def test_forged_signature_is_401(self, client, user_factory):
        user = user_factory()
        forged = jwt.encode(
            {
                "sub": str(user.id),
                "iss": "postwright",
                "iat": datetime.now(UTC),
                "exp": datetime.now(UTC) + timedelta(minutes=5),
                "type": "access",
            },
            "another-secret-that-is-long-enough-000",
            algorithm="HS256",
        )
        assert (
            client.get("/api/users/profile", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        )

    def test_unsigned_token_is_401(self, client, user_factory):
        user = user_factory()
        unsigned = jwt.encode({"sub": str(user.id), "type": "access"}, None, algorithm="none")
        assert (
            client.get("/api/users/profile", headers={"Authorization": f"Bearer {unsigned}"}).status_code
            == 401
        )

    def test_token_of_a_deleted_user_is_401(self, client, user_factory, auth_headers, db):
        user = user_factory()
        headers = auth_headers(user)
        db.delete(user)
        db.commit()
        assert client.get("/api/users/profile", headers=headers).status_code == 401

    def test_access_token_lifetime_defaults_to_15_minutes(self, client, user_factory):
        user_factory(email="t@example.com")
        body = client.post(
            "/api/auth/login", json={"email": "t@example.com", "password": TEST_PASSWORD}
        ).json()
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 15 * 60


class TestRateLimits:
    def test_login_is_limited_per_account_with_retry_after(self, client, user_factory):
        user_factory(email="victim@example.com")
        limit = int(get_settings().rate_limit_login_per_account.split("/")[0])
        for _ in range(limit):
            assert login(client, email="victim@example.com", password="wrong password!").status_code == 401
        blocked = login(client, email="victim@example.com", password=TEST_PASSWORD)
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) >= 1
        assert blocked.json()["error"] == "rate_limited"
        # Another account from the same address is not locked out by it.
        user_factory(email="other@example.com")
        assert login(client, email="other@example.com", password=TEST_PASSWORD).status_code == 200

    def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(self, client, app, user_factory):
        from fastapi.testclient import TestClient

        user_factory(email="owner@example.com")
        limit = int(get_settings().rate_limit_login_per_account.split("/")[0])
        for _ in range(limit + 1):  # an attacker's address
            login(client, email="owner@example.com", password="wrong password!")
        assert login(client, email="owner@example.com", password=TEST_PASSWORD).status_code == 429
        with TestClient(app, client=("198.51.100.7", 40000)) as owners_browser:
            assert login(owners_browser, email="owner@example.com", password=TEST_PASSWORD).status_code == 200

    def test_a_successful_login_spends_no_failure_budget(self, client, user_factory):
        user_factory(email="daily@example.com")
        limit = int(get_settings().rate_limit_login_per_account.split("/")[0])
        for _ in range(limit + 2):
            assert login(client, email="daily@example.com", password=TEST_PASSWORD).status_code == 200

    def test_login_is_limited_per_client_address(self, client):
        limit = int(get_settings().rate_limit_login_per_ip.split("/")[0])
        statuses = [
            login(client, email=f"u{i}@example.com", password="whatever123").status_code
            for i in range(limit + 1)
        ]
        assert statuses[:limit] == [401] * limit
        assert statuses[-1] == 429

    def test_register_is_limited_per_client_address(self, client):
        limit = int(get_settings().rate_limit_register_per_ip.split("/")[0])
        statuses = [register(client, email=f"n{i}@example.com").status_code for i in range(limit + 1)]
        assert statuses == [201] * limit + [429]
