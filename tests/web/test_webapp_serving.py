"""The web app is served by the API at `/`: cached assets, an uncached page with a strict CSP, gzip, deep
links, and the API's own paths left alone."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.core.errors import install_error_handlers
from api.core.webapp import CONTENT_SECURITY_POLICY, WebAppMiddleware

INDEX = "<!doctype html><title>Postwright</title><script type=module src=/assets/index-abc123.js></script>"
SCRIPT = "console.log('app');" * 50


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "index.html.gz").write_bytes(gzip.compress(INDEX.encode()))
    (folder / "assets" / "index-abc123.js").write_text(SCRIPT)
    (folder / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(SCRIPT.encode()))
    (folder / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    return folder


def make_client(dist: Path) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/things")
    def things() -> list[str]:
        return ["a"]

    @app.post("/api/login")
    def login() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(WebAppMiddleware, dist=dist)
    return TestClient(app)


class TestWebApp:
    def test_hashed_assets_are_cached_for_a_year_and_sent_gzipped(self, dist: Path) -> None:
        response = make_client(dist).get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert int(response.headers["content-length"]) < len(SCRIPT)
        assert response.text == SCRIPT  # the client decompressed it
        assert response.headers["content-type"].startswith("text/javascript")
        assert response.headers["vary"] == "Accept-Encoding"

    def test_a_client_without_gzip_gets_the_plain_file(self, dist: Path) -> None:
        response = make_client(dist).get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in response.headers
        assert int(response.headers["content-length"]) == len(SCRIPT)

    @pytest.mark.parametrize("path", ["/", "/voice", "/drafts/3f1c/edit", "/index.html", "/sign-in?next=/x"])
    def test_the_page_and_every_deep_link_get_the_app_uncached_with_a_strict_csp(
        self, dist: Path, path: str
    ) -> None:
        response = make_client(dist).get(path)
        assert response.status_code == 200
        assert response.text == INDEX
        assert response.headers["cache-control"] == "no-cache"
        csp = response.headers["content-security-policy"]
        assert csp == CONTENT_SECURITY_POLICY
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["x-frame-options"] == "DENY"

    @pytest.mark.parametrize("path", ["/api/nothing-here", "/api/things/1", "/api"])
    def test_an_unknown_api_path_stays_a_json_404(self, dist: Path, path: str) -> None:
        response = make_client(dist).get(path)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"

    def test_api_routes_and_their_405s_are_untouched(self, dist: Path) -> None:
        client = make_client(dist)
        assert client.get("/api/things").json() == ["a"]
        assert client.get("/healthz").json() == {"status": "ok"}
        wrong_method = client.get("/api/login")
        assert wrong_method.status_code == 405
        assert wrong_method.json()["error"] == "method_not_allowed"

    def test_other_methods_on_app_paths_are_not_the_app(self, dist: Path) -> None:
        response = make_client(dist).post("/voice")
        assert response.status_code in (404, 405)
        assert response.headers["content-type"].startswith("application/json")

    @pytest.mark.parametrize("path", ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"])
    def test_nothing_outside_the_build_is_reachable(self, dist: Path, path: str) -> None:
        response = make_client(dist).get(path)
        assert "outside the build" not in response.text

    def test_head_answers_without_a_body(self, dist: Path) -> None:
        response = make_client(dist).head("/assets/index-abc123.js")
        assert response.status_code == 200
        assert response.content == b""

    def test_without_a_build_the_app_paths_say_how_to_build_it(self, tmp_path: Path) -> None:
        client = make_client(tmp_path / "missing")
        response = client.get("/voice")
        assert response.status_code == 503
        assert "make install" in response.json()["detail"]
        assert client.get("/api/things").status_code == 200


def test_the_real_app_serves_the_built_web_app() -> None:
    """`make install` builds web/dist; the API's own app serves it at `/` beside the API."""
    from api.core.config import get_settings
    from api.main import create_app

    dist = get_settings().web_dist_dir
    assert (dist / "index.html").is_file(), f"{dist} is not built: run `make install`"
    client = TestClient(create_app())
    page = client.get("/generate")
    assert page.status_code == 200 and '<div id="root">' in page.text
    assert client.get("/api/no-such-thing").json()["error"] == "not_found"
