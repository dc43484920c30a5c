"""Issue 11, rows 1 and 5: a page on another origin cannot read or use a teacher's session,
and neither page can be framed. Real app on loopback, real HTTP; the Host is set to a
non-localhost name (Gradio's CORS reflected any Origin only then)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui.server import build_app

PASSWORD = "correct horse battery"
HOST = "tutor.school.example"
FOREIGN = "https://evil.school.example"


@pytest.fixture
def server(tmp_path):
    service = TutorService(ScriptedBackend(["\\boxed{42}"]), new_store(tmp_path / "tutor.db"), GenerationSettings())
    service.school.add_teacher(username="ms_lee", password=PASSWORD)
    with LiveServer(build_app(service, tmp_path)) as live:
        yield live.url


@contextmanager
def _signed_in(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers={"Host": HOST}, timeout=10) as client:
        response = client.post("/teacher/login", data={"username": "ms_lee", "password": PASSWORD})
        assert response.status_code == 200
        yield client


def test_login_cookies_are_same_site_lax(server) -> None:
    with httpx.Client(base_url=server, headers={"Host": HOST}, timeout=10) as client:
        response = client.post("/teacher/login", data={"username": "ms_lee", "password": PASSWORD})
    cookies = response.headers.get_list("set-cookie")
    assert cookies and all("samesite=lax" in c.lower() and "samesite=none" not in c.lower() for c in cookies)


def test_no_credentialed_cors_for_a_foreign_origin(server) -> None:
    with _signed_in(server) as client:
        for path in ("/teacher/gradio_api/token", "/teacher/config", "/config", "/gradio_api/info"):
            response = client.get(path, headers={"Origin": FOREIGN})
            assert "access-control-allow-origin" not in response.headers, path
            assert "access-control-allow-credentials" not in response.headers, path
        preflight = client.options(
            "/teacher/gradio_api/queue/join",
            headers={
                "Origin": FOREIGN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.headers.get("access-control-allow-origin") is None


def test_the_token_endpoint_refuses_foreign_pages(server) -> None:
    with _signed_in(server) as client:
        assert client.get("/teacher/gradio_api/token", headers={"Origin": FOREIGN}).status_code == 403
        assert client.get("/teacher/gradio_api/token", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
        assert "token" not in client.get("/teacher/gradio_api/token", headers={"Origin": FOREIGN}).text
        same = client.get(
            "/teacher/gradio_api/token", headers={"Origin": f"http://{HOST}", "Sec-Fetch-Site": "same-origin"}
        )
        assert same.status_code == 200  # the page's own front end still works


def test_neither_page_can_be_framed_and_both_have_a_csp(server) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        for path in ("/", "/teacher/"):
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200
            assert response.headers["x-frame-options"] == "DENY"
            csp = response.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp


def test_behind_tls_only_secure_cookies_and_hsts(tmp_path) -> None:
    from tutor.config import Settings

    assert Settings(public_url="https://tutor.school.example").behind_tls
    assert not Settings(public_url="http://tutor.school.example").behind_tls and not Settings().behind_tls
    service = TutorService(ScriptedBackend(["x"]), new_store(tmp_path / "tutor.db"), GenerationSettings())
    service.school.add_teacher(username="ms_lee", password=PASSWORD)
    with (
        LiveServer(build_app(service, tmp_path, https=True)) as live,
        httpx.Client(base_url=live.url, timeout=10) as client,
    ):
        login = client.post("/teacher/login", data={"username": "ms_lee", "password": PASSWORD})
        cookies = login.headers.get_list("set-cookie")
        assert login.status_code == 200 and cookies
        assert not any(c.startswith("access-token-unsecure-") for c in cookies)
        assert all("; secure" in c.lower() for c in cookies)
        assert login.headers["strict-transport-security"].startswith("max-age=")
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_over_plain_http_no_hsts(server) -> None:
    assert "strict-transport-security" not in httpx.get(server + "/", timeout=10).headers
