"""Security suite fixtures: an editor logged in through the real staff login
form (CSRF included), a book to attach files to, and what the media store
holds on disk."""
from __future__ import annotations

from pathlib import Path

import pytest

from content_service.staff.access import create_staff
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, csrf_token, login
from tests.factories import make_book


@pytest.fixture
def editor(app, session):
    """(client, csrf token) of an editor logged in through the login form."""
    create_staff(session, "editor-user", PASSWORD, "editor", "Staf editor", method=FAST_HASH)
    session.commit()
    client = app.test_client()
    assert login(client, "editor-user").status_code == 302
    return client, csrf_token(client, "/staff/books")


@pytest.fixture
def book(session):
    book = make_book(session, title="Laskar Pelangi", copies=1)
    session.commit()
    return book


def stored(app) -> list[Path]:
    """Every file in the media store (temp files of half-done writes too)."""
    root = Path(app.config["MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
