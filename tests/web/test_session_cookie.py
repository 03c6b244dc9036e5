"""The web app's session: the refresh token only in an HttpOnly cookie, rotated, revoked on sign-out."""

from __future__ import annotations

from http.cookies import SimpleCookie

from tests.conftest import TEST_PASSWORD

SESSION = "/api/auth/session"


def set_cookies(response) -> dict[str, SimpleCookie]:
    """Every Set-Cookie of a response by cookie name (the client's jar would drop Secure ones on http)."""
    jar: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            jar[name] = cookie
    return jar


def open_session(client, user):
    return client.post(SESSION, json={"email": user.email, "password": TEST_PASSWORD})


def refresh(client, token: str | None):
    headers = {"Cookie": f"pw_refresh={token}"} if token else {}
    return client.post(f"{SESSION}/refresh", headers=headers)


def refresh_token(response) -> str:
    return set_cookies(response)["pw_refresh"]["pw_refresh"].value


class TestOpenSession:
    def test_token_in_body_refresh_token_only_in_an_httponly_strict_cookie(self, client, user_factory):
        response = open_session(client, user_factory())
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "refresh_expires_in"}
        cookies = set_cookies(response)
        morsel = cookies["pw_refresh"]["pw_refresh"]
        assert morsel["httponly"] and morsel["secure"]
        assert morsel["samesite"] == "strict"
        assert morsel["path"] == SESSION
        assert int(morsel["max-age"]) == body["refresh_expires_in"]
        assert morsel.value not in response.text
        flag = cookies["pw_session"]["pw_session"]
        assert flag.value == "1" and not flag["httponly"] and flag["path"] == "/"
        # The access token works as any bearer token does.
        profile = client.get(
            "/api/users/profile", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert profile.status_code == 200

    def test_wrong_password_is_401_and_sets_nothing(self, client, user_factory):
        user = user_factory()
        response = client.post(SESSION, json={"email": user.email, "password": "not the password"})
        assert response.status_code == 401
        assert response.headers.get_list("set-cookie") == []

    def test_failed_attempts_are_rate_limited_like_login(self, client, user_factory):
        user = user_factory()
        answers = [
            client.post(SESSION, json={"email": user.email, "password": "wrong password"}).status_code
            for _ in range(6)
        ]
        assert answers[:5] == [401] * 5 and answers[5] == 429


class TestRefresh:
    def test_rotates_the_cookie_and_answers_a_new_access_token(self, client, user_factory):
        first = refresh_token(open_session(client, user_factory()))
        response = refresh(client, first)
        assert response.status_code == 200
        second = refresh_token(response)
        assert second != first
        assert response.json()["access_token"]

    def test_a_spent_cookie_signs_the_login_out_and_clears_the_cookies(self, client, user_factory):
        first = refresh_token(open_session(client, user_factory()))
        second = refresh_token(refresh(client, first))
        reused = refresh(client, first)
        assert reused.status_code == 401
        assert reused.json()["error"] == "unauthorized"
        cleared = set_cookies(reused)
        assert cleared["pw_refresh"]["pw_refresh"].value == ""
        assert int(cleared["pw_session"]["pw_session"]["max-age"]) == 0
        # The thief's copy is as dead as the owner's.
        assert refresh(client, second).status_code == 401

    def test_without_a_cookie_is_401(self, client):
        response = refresh(client, None)
        assert response.status_code == 401
        assert response.json()["detail"] == "No session: sign in."

    def test_an_oversized_cookie_is_401_not_an_error(self, client):
        assert refresh(client, "x" * 5000).status_code == 401


class TestCloseSession:
    def test_revokes_the_login_and_clears_the_cookies(self, client, user_factory):
        token = refresh_token(open_session(client, user_factory()))
        response = client.delete(SESSION, headers={"Cookie": f"pw_refresh={token}"})
        assert response.status_code == 204
        assert set(set_cookies(response)) == {"pw_refresh", "pw_session"}
        assert refresh(client, token).status_code == 401

    def test_is_204_signed_in_or_not(self, client):
        assert client.delete(SESSION).status_code == 204
        assert client.delete(SESSION, headers={"Cookie": "pw_refresh=unknown"}).status_code == 204
