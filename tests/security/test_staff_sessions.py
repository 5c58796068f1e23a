"""Revocable staff sessions (issue: a copied staff cookie kept working after
logout and after a password change). A cookie copied into another browser,
against a real gunicorn with two workers: it works before, and is refused
(the login page, or a 401 in JSON) at once after the owner logs out, changes
the password, or an admin disables the account; a cookie replayed from
another browser is refused too (``session_protection``)."""
from __future__ import annotations

import re

import requests

from content_service.staff.access import create_staff
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_PASSWORD = "rak buku tinggi sekali"


def _token(browser: requests.Session, base: str, path: str) -> str:
    return _TOKEN.search(browser.get(base + path, timeout=30).text).group(1)


def _log_in(base: str, username: str, password: str = PASSWORD) -> requests.Session:
    browser = requests.Session()
    res = browser.post(base + "/staff/login", data={"username": username, "password": password,
                                                   "csrf_token": _token(browser, base, "/staff/login")},
                       allow_redirects=False, timeout=30)
    assert res.status_code == 302, res.text[:300]
    return browser


def _copy(browser: requests.Session, user_agent: str | None = None) -> requests.Session:
    thief = requests.Session()
    thief.cookies.update(browser.cookies.get_dict())
    if user_agent:
        thief.headers["User-Agent"] = user_agent
    return thief


def _works(browser: requests.Session, base: str) -> bool:
    page = browser.get(base + "/staff/books", allow_redirects=False, timeout=30)
    if page.status_code == 200:
        assert "Bu Rina" in page.text  # the portal, as this librarian
        return True
    assert page.status_code == 302 and page.headers["Location"].startswith("/staff/login?next="), page.status_code
    login = browser.get(base + page.headers["Location"], timeout=30)
    assert "Masuk" in login.text and "Bu Rina" not in login.text
    answer = browser.get(base + "/staff/books", headers={"Accept": "application/json"}, allow_redirects=False,
                         timeout=30)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "login_required", answer.text[:300]
    assert "Silakan masuk" in answer.json()["error"]["message_id"]
    return False


def test_a_copied_cookie_stops_working_at_logout(gunicorn_service, session):
    create_staff(session, "rina", PASSWORD, "librarian", "Bu Rina", method=FAST_HASH)
    session.commit()
    base = gunicorn_service()
    owner = _log_in(base, "rina")
    copy = _copy(owner)
    assert _works(copy, base)
    for _ in range(4):  # whichever worker answers
        assert _works(copy, base)
    owner.post(base + "/staff/logout", data={"csrf_token": _token(owner, base, "/staff/books")}, timeout=30)
    for _ in range(4):
        assert not _works(copy, base)
    assert not _works(owner, base)
    # Logging in again opens a new session; the old copy stays dead.
    fresh = _log_in(base, "rina")
    assert _works(fresh, base) and not _works(copy, base)


def test_a_copied_cookie_stops_working_when_the_password_changes(gunicorn_service, session):
    create_staff(session, "rina", PASSWORD, "librarian", "Bu Rina", method=FAST_HASH)
    session.commit()
    base = gunicorn_service()
    owner = _log_in(base, "rina")
    copy = _copy(owner)
    assert _works(copy, base)
    done = owner.post(base + "/staff/account", data={"csrf_token": _token(owner, base, "/staff/account"),
                                                     "current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
                      timeout=30)
    assert done.status_code == 200
    for _ in range(4):
        assert not _works(copy, base)
        assert _works(owner, base)  # the browser that changed it stays logged in


def test_an_admin_disabling_an_account_ends_its_sessions(gunicorn_service, session):
    user = create_staff(session, "rina", PASSWORD, "librarian", "Bu Rina", method=FAST_HASH)
    create_staff(session, "kepala", PASSWORD, "admin", "Pak Kepala", method=FAST_HASH)
    session.commit()
    base = gunicorn_service()
    rina, admin = _log_in(base, "rina"), _log_in(base, "kepala")
    assert _works(rina, base)
    admin.post(f"{base}/staff/admin/users/{user.id}", data={"csrf_token": _token(admin, base, "/staff/admin"),
                                                            "role": "librarian", "active": "0"}, timeout=30)
    assert not _works(rina, base)


def test_a_cookie_replayed_from_another_browser_is_refused(gunicorn_service, session):
    create_staff(session, "rina", PASSWORD, "librarian", "Bu Rina", method=FAST_HASH)
    session.commit()
    base = gunicorn_service()
    owner = _log_in(base, "rina")
    assert not _works(_copy(owner, user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/120"), base)
    assert _works(owner, base)
