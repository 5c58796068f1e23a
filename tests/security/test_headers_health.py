"""Security headers on every answer; a database that is down answers 503."""
from __future__ import annotations

import pytest

from tests.factories import make_book, make_code


@pytest.mark.parametrize("path", ["/", "/search?q=laskar", "/events", "/api/v1/openapi.json", "/nope", "/health"])
def test_every_answer_carries_the_security_headers(client, path):
    res = client.get(path)
    csp = res.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in res.headers  # plain HTTP: HSTS would be ignored or lock a trial out


def test_hsts_over_https_and_behind_a_trusted_proxy(make_app):
    direct = make_app().test_client().get("/", base_url="https://pindai.example")
    assert direct.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    proxied = make_app(TRUSTED_PROXIES=1).test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in proxied.headers
    untrusted = make_app().test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in untrusted.headers


def test_staff_pages_keep_their_stricter_policy(client):
    csp = client.get("/staff/login").headers["Content-Security-Policy"]
    assert "'nonce-" in csp


def test_public_pages_have_no_inline_script(client, session):
    code = make_code(session, make_book(session, title="Laskar Pelangi", copies=1))
    session.commit()
    import re

    for path in ("/", f"/q/{code}", "/search?q=laskar", "/events", "/survey", "/school-visits"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"<style", html), path  # style-src 'self': inline styles would not apply
        assert not re.search(r"\son[a-z]+=\"", html), path


def test_health_reports_the_database(client):
    res = client.get("/health")
    assert res.status_code == 200 and res.get_json()["database"] == "ok"


def test_a_database_that_is_down_answers_503_not_500(make_app, tmp_path):
    # A PostgreSQL server that is not there (nothing listens on port 1).
    from content_service import create_app

    down = create_app({"ENV": "test", "TESTING": True, "MEDIA_ROOT": str(tmp_path / "m"),
                       "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"})
    client = down.test_client()
    health = client.get("/health")
    assert health.status_code == 503 and health.get_json()["database"] == "unreachable"
    api = client.get("/api/v1/resolve?payload=9786020331706")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "database_unavailable"
    assert api.headers["Retry-After"] == "10"
    page = client.get("/q/ABCDEFGH", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "tidak dapat dihubungi" in page.get_data(as_text=True)
    assert client.get("/ping").status_code == 200  # liveness touches nothing
    down.extensions["pindai.engine"].dispose()
