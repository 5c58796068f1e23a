"""Security events in the staff audit log (issue: logins, lockouts, logouts,
refused access, imports started and interrupted, and CLI changes with the OS
user were not recorded). Checked on the audit page as an admin reads it: in
Bahasa Indonesia, times in WIB."""
from __future__ import annotations

import getpass
import io
import socket
import subprocess
import sys


from content_service.staff.models import AuditEntry
from tests.content_service.staff.conftest import csrf_token, login, make_staff  # noqa: F401  (the fixture)


def _rows(client) -> list[str]:
    page = client.get("/staff/audit").get_data(as_text=True)
    return [row for row in page.split("<tr")[1:] if "data-action=" in row]


def _row(rows: list[str], action: str) -> str:
    found = [r for r in rows if f'data-action="{action}"' in r]
    assert found, (action, [r[:120] for r in rows])
    return found[0]


def test_logins_lockouts_logouts_and_refusals_are_on_the_audit_page(app, make_staff):
    make_staff("admin")
    make_staff("editor")
    guesser = app.test_client()
    for _ in range(5):
        assert login(guesser, "editor-user", "wrong password!", address="10.1.1.1").status_code == 401
    editor = app.test_client()
    assert login(editor, "editor-user", address="10.2.2.2").status_code == 429  # locked: no entry of its own
    other = app.test_client()
    assert login(other, "admin-user").status_code == 302
    assert other.get("/staff/admin").status_code == 200
    refused_client = app.test_client()
    make_staff("librarian")
    assert login(refused_client, "librarian-user").status_code == 302
    assert refused_client.get("/staff/admin").status_code == 403
    refused_client.post("/staff/logout", data={"csrf_token": csrf_token(refused_client, "/staff/books")})

    rows = _rows(other)
    failed = [r for r in rows if 'data-action="login.failed"' in r]
    assert len(failed) == 5 and all("Gagal masuk" in r and "editor-user" in r and "10.1.1.1" in r for r in failed)
    assert "Akun dikunci setelah terlalu banyak percobaan masuk yang gagal" in _row(rows, "login.lockout")
    assert any("Berhasil masuk" in r and "admin-user" in r for r in rows if 'data-action="login.success"' in r)
    refused = _row(rows, "access.refused")
    assert "Akses ditolak (peran)" in refused and "librarian-user" in refused and "/staff/admin" in refused
    assert "Keluar" in _row(rows, "logout") and "librarian-user" in _row(rows, "logout")
    assert all(" WIB" in r and "UTC" not in r for r in rows)


def test_imports_are_recorded_started_and_interrupted(app, make_staff, session):
    make_staff("admin")
    admin = app.test_client()
    assert login(admin, "admin-user").status_code == 302
    # An import whose process died: started, never ended, its process gone.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    session.add(AuditEntry(username="admin-user", action="import.started",
                           detail={"kind": "marc", "file": "hilang.mrc", "host": socket.gethostname(), "pid": dead.pid}))
    session.commit()
    token = csrf_token(admin, "/staff/imports")
    res = admin.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "csv", "file": (io.BytesIO(b"\xff\xfe\x00garbage\x00"), "rusak.csv")})
    res.get_data()  # the streamed import runs to its end
    rows = _rows(admin)
    interrupted = [r for r in rows if 'data-action="import.interrupted"' in r]
    assert len(interrupted) == 2 and all("Impor terputus" in r for r in interrupted), [r[:200] for r in rows]
    assert any("hilang.mrc" in r for r in interrupted)  # the dead one, found at the next start
    assert any("rusak.csv" in r for r in interrupted)  # the one that raised
    assert len([r for r in rows if "Impor dimulai" in r]) == 2


def test_cli_changes_record_the_os_user(app, runner):
    admin_page = app.test_client()
    out = runner.invoke(args=["create-staff", "kepala", "--role", "admin", "--password", "rak buku tinggi sekali"])
    assert out.exit_code == 0, out.output
    assert runner.invoke(args=["create-kiosk", "Kios Lobi"]).exit_code == 0
    assert login(admin_page, "kepala", "rak buku tinggi sekali").status_code == 302
    rows = [r for r in _rows(admin_page) if 'data-action="cli.command"' in r]
    user = getpass.getuser()
    assert len(rows) == 2 and all("Perintah dijalankan di server" in r and f">{user}<" in r for r in rows)
    assert any("create-kiosk" in r for r in rows) and any("create-staff" in r for r in rows)
    assert not any("rak buku tinggi sekali" in r for r in rows)  # the password is never written down
