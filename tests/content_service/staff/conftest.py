"""Staff portal fixtures: accounts per role and a logged-in client helper
that goes through the real login form (CSRF token included)."""
from __future__ import annotations

import re

import pytest

from content_service.staff.access import create_staff

PASSWORD = "correct horse battery"
FAST_HASH = "pbkdf2:sha256:1000"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path="/staff/login") -> str:
    page = client.get(path)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    token = csrf_token(client)
    return client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def make_staff(session):
    def factory(role: str = "admin", username: str | None = None):
        # A cheap hash: tests make an account per test; test_access checks the real default.
        user = create_staff(session, username or f"{role}-user", PASSWORD, role, f"Staf {role}", method=FAST_HASH)
        session.commit()
        return user

    return factory


@pytest.fixture
def staff_client(app, make_staff):
    """A test client logged in with the given role; returns (client, csrf token)."""
    def factory(role: str = "admin"):
        make_staff(role)
        client = app.test_client()
        res = login(client, f"{role}-user")
        assert res.status_code == 302, res.get_data(as_text=True)[:500]
        return client, csrf_token(client, "/staff/analytics")

    return factory
