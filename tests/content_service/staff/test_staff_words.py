"""What staff read is in WIB and in Indonesian: the audit log's times, the
kiosk list's last scan, registration statuses and the staff language switch."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path

from content_service.staff.auditing import ACTIONS
from content_service.staff.models import AuditEntry
from tests.factories import make_book

ROOT = Path(__file__).resolve().parents[3] / "content_service"


def test_the_audit_log_shows_wib_times_in_the_staff_language(staff_client, session):
    client, _token = staff_client("admin")
    session.add(AuditEntry(at=datetime(2026, 12, 1, 22, 24, tzinfo=timezone.utc), username="siti",
                           action="book.edit", target_type="book", target_id=1, detail={}))
    session.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "2 Des 2026 pukul 05.24 WIB" in page  # 22.24 UTC is 05.24 the next morning in Batam
    assert "UTC" not in page and "22:24" not in page
    english = client.get("/staff/audit?lang=en").get_data(as_text=True)
    assert "Dec 2, 2026 at 5:24\u202fAM WIB" in english
    assert ">Bahasa Indonesia</a>" in english and ">English</a>" not in english


def test_refusals_in_the_portal_show_both_languages_as_plain_text(staff_client):
    client, token = staff_client("librarian")
    res = client.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "csv", "map": "<b>judul</b>",
        "file": (io.BytesIO(b"judul\nLaskar Pelangi\n"), "a.csv")})
    page = res.get_data(as_text=True)
    assert res.status_code == 400 and 'role="alert"' in page
    assert "tulis KOLOM=FIELD" in page and "write COLUMN=FIELD" in page  # Indonesian first, English beside it
    assert "<b>judul</b>" not in page and "&lt;b&gt;judul&lt;/b&gt;" in page


def test_the_import_report_is_indonesian_and_escapes_the_file(staff_client):
    client, token = staff_client("librarian")
    data = "judul,isbn\nLaskar Pelangi,<b>x</b>\nSang Pemimpi,9789793062792\n".encode()
    res = client.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "csv", "file": (io.BytesIO(data), "ekspor.csv")})
    report = res.get_data(as_text=True).split('id="import-report"')[1]
    assert "ekspor.csv: 2 cantuman: 2 diimpor" in report
    assert "baris 1 (line" not in report and "row 1" not in report and "baris 1 (baris berkas 2)" in report
    assert "bukan ISBN; tidak disimpan" in report and "is not an ISBN" not in report
    assert "<b>x</b>" not in report and "&lt;b&gt;x&lt;/b&gt;" in report
    english = client.post("/staff/imports?lang=en", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "csv", "file": (io.BytesIO(data), "ekspor.csv")}).get_data(as_text=True)
    assert "row 1 (line 2)" in english and "is not an ISBN; not stored" in english and "2 records: 0 imported, 0 updated, 2 unchanged" in english  # noqa: E501 (one msgid)


def test_survey_comments_show_their_wib_time_in_indonesian(staff_client, session):
    from content_service.events import feedback
    from content_service.events.models import Feedback

    client, _token = staff_client("librarian")
    answer = feedback.record(session, 5, "Seru sekali!", "phone", language="id")
    answer.at = datetime(2026, 12, 1, 22, 24, tzinfo=timezone.utc)
    session.commit()
    assert session.get(Feedback, answer.id) is not None
    page = client.get("/staff/events/feedback?days=366&end=2026-12-02").get_data(as_text=True)
    assert "Seru sekali!" in page and "pukul 05.24 WIB" in page and "2026-12-02 05:24" not in page
    assert "1 jawaban, rata-rata 5 dari 5" in page


# Every action any part writes to the audit log, read from the code (audit(session, "x.y", ...),
# record(session, "x.y", ...), the desk's _change(patron_id, "patron.x", ...) and its
# "patron.found" if ... else "patron.lost"; f"school_visit.{decision}"), so a new one without words fails here.
AUDITED = re.compile(r"\b(?:audit|record|_change)\(\s*\w+,\s*f?\"([a-z_]+\.[a-z_.{}]+)\"(?: if \w+ else \"([a-z_.]+)\")?")


def test_every_audited_action_has_words_shown_in_indonesian(staff_client, session):
    written = {action for path in ROOT.rglob("*.py") for found in AUDITED.findall(path.read_text(encoding="utf-8"))
               for action in found if action}
    if "school_visit.{decision}" in written:  # events/staff.py: accept or decline
        written = written - {"school_visit.{decision}"} | {"school_visit.accept", "school_visit.decline"}
    assert {"book.update", "item.create", "loan.checkout", "patron.block", "event.edit"} <= written
    assert sorted(written - set(ACTIONS)) == []
    client, _token = staff_client("admin")
    session.add(AuditEntry(at=datetime(2026, 12, 1, 22, 24, tzinfo=timezone.utc), username="siti",
                           action="patron.block", target_type="patron", target_id=1, detail={}))
    session.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "Kartu ditangguhkan <small><code>patron.block</code></small>" in page


def test_a_book_s_change_history_says_what_happened_in_indonesian(staff_client, session):
    book = make_book(session, title="Bumi Manusia")
    session.add(AuditEntry(at=datetime(2026, 12, 1, 22, 24, tzinfo=timezone.utc), username="siti",
                           action="item.create", target_type="book", target_id=book.id, detail={"barcode": "B1"}))
    session.commit()
    client, _token = staff_client("librarian")
    page = client.get(f"/staff/books/{book.id}").get_data(as_text=True)
    history = page[page.index('id="history"'):]
    assert "2 Des 2026 pukul 05.24 WIB" in history
    assert "Eksemplar ditambahkan <small><code>item.create</code></small>" in history
