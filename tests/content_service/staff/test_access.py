"""Staff access: every staff URL refuses anonymous users and wrong roles,
CSRF on every form, login throttling, hashed passwords, cookie flags, audit."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from content_service.staff.access import ENDPOINTS, PERMISSIONS, create_staff
from content_service.staff.passwords import BadUsername, GuessablePassword
from content_service.staff.models import AuditEntry, LoginFailure, StaffUser
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, csrf_token, login
from tests.factories import make_book

ROLES = ("admin", "librarian", "editor")


def _staff_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff."):
            values = {arg: ("ABCD2345" if arg == "code" else 1) for arg in rule.arguments}
            path = app.url_map.bind("localhost").build(rule.endpoint, values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, path


def test_every_staff_url_declares_a_permission(app):
    rules = list(_staff_rules(app))
    assert len(rules) > 20
    for endpoint, _method, _path in rules:
        assert endpoint in ENDPOINTS, f"{endpoint} has no @requires/@public: it would be refused to everyone"


def test_every_staff_url_denies_anonymous_users(app, client):
    """Every URL under /staff, whichever feature registered it."""
    rules = [(r.endpoint, m, app.url_map.bind("localhost").build(
        r.endpoint, {a: ("ABCD2345" if a == "code" else 1) for a in r.arguments}))
        for r in app.url_map.iter_rules() if r.rule.startswith("/staff") for m in sorted(r.methods - {"HEAD", "OPTIONS"})]
    assert len(rules) > 20
    for endpoint, method, path in rules:
        if ENDPOINTS.get(endpoint, "other") is None:
            continue
        res = client.open(path, method=method)
        assert res.status_code == 302, (method, path, res.status_code)
        assert res.headers["Location"].startswith("/staff/login?next="), (method, path)


def test_every_staff_url_denies_roles_without_the_permission(app, make_staff, session):
    make_book(session)  # id 1 exists, so allowed roles reach the view itself
    session.commit()
    for role in ROLES:
        make_staff(role)
        client = app.test_client()
        assert login(client, f"{role}-user").status_code == 302
        token = csrf_token(client, "/staff/analytics")
        for endpoint, method, path in _staff_rules(app):
            permission = ENDPOINTS[endpoint]
            if permission is None:
                continue
            res = client.open(path, method=method, data={"csrf_token": token})
            if role in PERMISSIONS[permission]:
                assert res.status_code not in (302, 401, 403) or res.headers.get("Location", "").startswith("/staff/") \
                    and "login" not in res.headers.get("Location", ""), (role, method, path, res.status_code)
            else:
                assert res.status_code == 403, (role, method, path, res.status_code)
                assert b"forbidden" in res.data


def test_roles_see_only_their_menus(staff_client):
    editor, _ = staff_client("editor")
    page = editor.get("/staff/books").get_data(as_text=True)
    assert "/staff/books" in page and "/staff/admin" not in page and "/staff/imports" not in page


def test_forms_need_the_csrf_token(client, make_staff):
    make_staff("admin")
    res = client.post("/staff/login", data={"username": "admin-user", "password": PASSWORD})
    assert res.status_code == 400 and b"csrf_failed" in res.data
    assert login(client, "admin-user").status_code == 302
    res = client.post("/staff/admin/kiosks", data={"name": "Kios Anak"})
    assert res.status_code == 400 and b"csrf_failed" in res.data
    res = client.post("/staff/admin/kiosks", data={"name": "Kios Anak", "csrf_token": "forged"})
    assert res.status_code == 400
    res = client.post("/staff/admin/kiosks", data={"name": "Kios Anak", "csrf_token": csrf_token(client, "/staff/admin")})
    assert res.status_code == 200 and b"Kios Anak" in res.data


def test_passwords_are_hashed_and_wrong_ones_refused(client, session):
    user = create_staff(session, "editor-user", PASSWORD, "editor")  # the production default
    session.commit()
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")
    res = login(client, "editor-user", "wrong password!")
    assert res.status_code == 401 and "Nama pengguna atau kata sandi salah" in res.get_data(as_text=True)
    assert login(client, "EDITOR-user").status_code == 302  # usernames are not case-sensitive


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make_staff, session):
    make_staff("librarian")
    for _ in range(5):
        assert login(client, "librarian-user", "wrong password!", address="10.0.0.1").status_code == 401
    # Now even the right password from another address is refused, with a clear reason.
    res = login(client, "librarian-user", address="10.0.0.2")
    assert res.status_code == 429 and "15 menit" in res.get_data(as_text=True)
    # Fifteen minutes later the account opens again.
    session.execute(update(LoginFailure).values(at=LoginFailure.at - timedelta(minutes=16)))
    session.commit()
    assert login(client, "librarian-user", address="10.0.0.2").status_code == 302
    assert session.scalars(select(LoginFailure).where(LoginFailure.username == "librarian-user")).all() == []


def test_five_failures_lock_the_address(client, make_staff):
    make_staff("editor")
    for n in range(5):
        login(client, f"guess{n}", "wrong password!", address="10.9.9.9")
    assert login(client, "editor-user", address="10.9.9.9").status_code == 429
    assert login(client, "editor-user", address="10.9.9.10").status_code == 302


def test_behind_a_proxy_the_visitor_address_is_locked_not_the_proxy(make_app, make_staff):
    app = make_app(TRUSTED_PROXIES=1)
    make_staff("editor")
    client = app.test_client()
    token = csrf_token(client)

    def attempt(password, forwarded):
        return client.post("/staff/login", data={"username": "editor-user", "password": password, "csrf_token": token},
                           headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": "10.0.0.254"})

    for n in range(5):
        assert attempt("wrong password!", f"203.0.113.{n}").status_code == 401
    # The account is locked whatever the address; the proxy's own address is not locked.
    assert attempt(PASSWORD, "198.51.100.7").status_code == 429
    assert login(client, "other", "wrong password!", address="10.0.0.254").status_code == 401


def test_inactive_accounts_cannot_log_in(client, make_staff, session):
    user = make_staff("editor")
    user.active = False
    session.commit()
    assert login(client, "editor-user").status_code == 401


def test_login_never_redirects_off_site(client, make_staff):
    make_staff("admin")
    token = csrf_token(client)
    for target, expected in (("//evil.example/x", "/staff/"), ("https://evil.example/", "/staff/"),
                             ("/staff/analytics", "/staff/analytics")):
        res = client.post("/staff/login", data={"username": "admin-user", "password": PASSWORD, "csrf_token": token,
                                                "next": target})
        assert res.headers["Location"] == expected


def test_session_cookie_flags(make_app, make_staff):
    app = make_app(ENV="production", SECRET_KEY="x" * 32)
    make_staff("admin")
    client = app.test_client()
    page = client.get("/staff/login")
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self' 'nonce-" in page.headers["Content-Security-Policy"]
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_development_key_is_shared_by_every_worker(tmp_path):
    """Two processes of one instance (gunicorn workers) must trust each other's sessions:
    without PINDAI_SECRET_KEY the key is kept beside the SQLite file they share."""
    from content_service import create_app

    config = {"ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'pindai.db'}", "MEDIA_ROOT": str(tmp_path / "m")}
    apps = [create_app(dict(config)), create_app(dict(config)), create_app({**config, "SECRET_KEY": "x" * 40}),
            create_app({**config, "DATABASE_URL": "sqlite://"})]
    try:
        assert not (tmp_path / "pindai.db.secret_key").exists()  # building an app writes nothing
        for app in apps:
            assert app.test_client().get("/ping").status_code == 200
        key = apps[0].config["SECRET_KEY"]
        assert key == apps[1].config["SECRET_KEY"] and len(key) == 64
        assert (tmp_path / "pindai.db.secret_key").stat().st_mode & 0o077 == 0
        assert apps[2].config["SECRET_KEY"] == "x" * 40  # a key that was given is never replaced
        assert apps[3].config["SECRET_KEY"] != key  # in memory: one process, its own key, no file
    finally:
        for app in apps:
            app.extensions["pindai.engine"].dispose()


def test_create_staff_command(runner, app, client):
    res = runner.invoke(args=["create-staff", "Ina", "--role", "admin", "--name", "Ina Pustaka"],
                        input=f"{PASSWORD}\n{PASSWORD}\n")
    assert res.exit_code == 0, res.output
    assert login(client, "ina").status_code == 302
    again = runner.invoke(args=["create-staff", "ina"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["create-staff", "budi", "--password", "short"])
    assert short.exit_code != 0 and "at least 12" in short.output


def test_admin_changes_are_audited_and_the_last_admin_stays(staff_client, session):
    client, token = staff_client("admin")
    res = client.post("/staff/admin/users", data={"username": "Sari", "password": PASSWORD, "role": "editor",
                                                  "csrf_token": token})
    assert res.status_code == 303
    me = session.scalars(select(StaffUser).where(StaffUser.username == "admin-user")).one()
    res = client.post(f"/staff/admin/users/{me.id}", data={"role": "editor", "active": "1", "csrf_token": token})
    assert res.status_code == 409
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action.not_like("login.%"))).all()
    assert [(e.username, e.action, e.detail["username"]) for e in entries] == [("admin-user", "staff.create", "sari")]
    log = client.get("/staff/audit").get_data(as_text=True)
    assert "staff.create" in log


def test_staff_change_their_own_password(app, staff_client, session):
    client, token = staff_client("editor")
    new = "a much longer passphrase"
    for form, status in (({"current": "wrong", "new": new, "again": new}, 400),
                         ({"current": PASSWORD, "new": new, "again": new + "x"}, 400),
                         ({"current": PASSWORD, "new": "short", "again": "short"}, 400),
                         ({"current": PASSWORD, "new": new, "again": new}, 200)):
        res = client.post("/staff/account", data={**form, "csrf_token": token})
        assert res.status_code == status, form
    assert "Kata sandi sudah diganti" in res.get_data(as_text=True)
    fresh = app.test_client()
    assert login(fresh, "editor-user").status_code == 401
    assert login(fresh, "editor-user", new).status_code == 302


@pytest.mark.parametrize("role", ["editor"])
def test_a_logged_out_user_is_anonymous_again(staff_client, role):
    client, token = staff_client(role)
    assert client.get("/staff/books").status_code == 200
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/books").status_code == 302


def test_every_page_reads_in_both_languages(staff_client, session):
    """No text key shows through untranslated, in Indonesian or English."""
    book = make_book(session, title="Cantik Itu Luka", copies=1)
    session.commit()
    client, _ = staff_client("admin")
    pages = ["/staff/books", f"/staff/books/{book.id}", f"/staff/books/{book.id}/content", "/staff/imports",
             "/staff/analytics", "/staff/admin", "/staff/audit", "/staff/account", f"/staff/books/{book.id}/preview"]
    for lang, word in (("id", "Keluar"), ("en", "Log out")):
        for path in pages:
            res = client.get(f"{path}?lang={lang}")
            body = res.get_data(as_text=True)
            assert res.status_code == 200 and (word in body or path.endswith("/preview")), (lang, path)
            assert not re.search(r"[>\s\"]s\.[a-z_]+[.<\s\"]", body), (lang, path, re.findall(r"\bs\.[a-z_.]+", body)[:5])


def test_admins_register_and_retire_kiosks(staff_client, client, session):
    admin, token = staff_client("admin")
    book = make_book(session, isbn13="9789793062792")
    session.commit()
    page = admin.post("/staff/admin/kiosks", data={"name": "Kios Anak", "location": "Lantai 1", "csrf_token": token})
    key = re.search(r'id="new-key">[^<]*<br><code>([^<]+)</code>', page.get_data(as_text=True)).group(1)
    scan = client.get("/api/v1/resolve?payload=9789793062792", headers={"Authorization": f"Bearer {key}"})
    assert scan.status_code == 200 and scan.get_json()["book"]["id"] == book.id
    assert key not in admin.get("/staff/admin").get_data(as_text=True)  # shown once only
    kiosk_id = re.search(r'/staff/admin/kiosks/(\d+)/retire', admin.get("/staff/admin").get_data(as_text=True)).group(1)
    assert admin.post(f"/staff/admin/kiosks/{kiosk_id}/retire", data={"csrf_token": token}).status_code == 303
    refused = client.get("/api/v1/resolve?payload=9789793062792", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop12", "perpustakaan123", "Batam12345678",
                                      "admin-user-2026", "iloveyou2024!"])
def test_common_or_guessable_passwords_are_refused(session, password):
    with pytest.raises(GuessablePassword):
        create_staff(session, "admin-user", password, "admin")
    assert session.scalars(select(StaffUser)).all() == []


def test_passwords_of_unrelated_words_are_accepted(session):
    user = create_staff(session, "ina", "kopi senja di tepi laut", "admin", method=FAST_HASH)
    assert user.username == "ina"


@pytest.mark.parametrize("username", ["", "ina budi", "ina<script>", "-ina", "ína", "a" * 81, "ina\nroot"])
def test_usernames_are_plain(session, username):
    with pytest.raises(BadUsername):
        create_staff(session, username, PASSWORD, "admin", method=FAST_HASH)


def test_a_weak_password_is_refused_in_the_portal(client, make_staff):
    make_staff("admin")
    admin_client = client
    login(admin_client, "admin-user")
    token = csrf_token(admin_client, "/staff/admin")
    res = admin_client.post("/staff/admin/users", data={"username": "budi", "password": "password1234", "role": "editor",
                                                         "csrf_token": token})
    assert res.status_code == 400 and "terlalu mudah ditebak" in res.get_data(as_text=True)
