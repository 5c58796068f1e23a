"""The circulation desk in the staff portal through HTTP, on SQLite and
PostgreSQL: who may open it, members (search, their page, every desk
action, the CSV import), loans at the desk (check out, check in, the
overdue list and its CSV), closed days and loan rules. Each change is
checked in the database, on the page a librarian reads and in the audit log."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from content_service.circulation import calendar, local
from content_service.circulation.models import ClosedDay, Loan, LoanRule, Patron
from content_service.circulation.patrons import check_pin
from content_service.staff.access import create_staff
from content_service.staff.models import AuditEntry
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, csrf_token, login, make_staff  # noqa: F401  (a fixture)
from tests.factories import make_book, make_item

from .helpers import make_patron

DESK = "/staff/desk"


@pytest.fixture
def librarian(app, session):
    create_staff(session, "budi", PASSWORD, "librarian", "Budi", method=FAST_HASH)
    session.commit()
    client = app.test_client()
    assert login(client, "budi").status_code == 302
    return client, csrf_token(client, DESK)


@pytest.fixture
def siti(session):
    patron = make_patron(session, name="Siti Rahmawati", card_number="2171000001", phone="0812000001", fines=75000)
    session.commit()
    return patron


def text(res) -> str:
    return re.sub(r"\s+", " ", res.get_data(as_text=True))


def reread(session, row) -> None:
    """Read ``row`` again as the requests left it (a fresh snapshot, not this session's old one)."""
    session.rollback()
    session.refresh(row)


def audited(session, action: str) -> AuditEntry:
    session.rollback()  # a fresh snapshot after the request's commit
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).one()
    assert entry.username == "budi"
    return entry


def test_only_librarians_and_admins_open_the_desk_and_forms_need_csrf(app, session, make_staff, siti):
    anonymous = app.test_client().get(DESK)
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    make_staff("editor")
    editor = app.test_client()
    login(editor, "editor-user")
    assert editor.get(DESK).status_code == 403
    assert editor.get(f"{DESK}/loans").status_code == 403
    make_staff("librarian", "pustakawan")
    librarian = app.test_client()
    login(librarian, "pustakawan")
    page = librarian.get(DESK)
    assert page.status_code == 200 and "Anggota" in text(page) and "Sirkulasi" in text(page)
    assert "no-store" in page.headers["Cache-Control"]
    # The portal's menu links the desk for librarians.
    assert f'href="{DESK}"' in librarian.get("/staff/books").get_data(as_text=True)
    forged = librarian.post(f"{DESK}/members/{siti.id}/block", data={"reason": "x"})
    assert forged.status_code == 400
    reread(session, siti)
    assert siti.staff_block is None


def test_search_by_name_or_card_and_the_member_page(client, session, librarian, siti):
    web, _token = librarian
    book = make_book(session, title="Laskar Pelangi")
    late, fresh, held = make_item(session, book), make_item(session, make_book(session, title="Bumi")), make_item(session, book)
    old = local.checkout(session, siti, late, max_fines=10**9, now=calendar.utcnow() - timedelta(days=20))
    local.checkout(session, siti, fresh, max_fines=10**9)
    local.place_hold(session, siti, held)
    make_patron(session, name="Budi Santoso")
    session.commit()
    by_name = text(web.get(DESK, query_string={"q": "rahma"}))
    assert "Siti Rahmawati" in by_name and "Budi Santoso" not in by_name
    assert "Siti Rahmawati" in text(web.get(DESK, query_string={"q": "2171-0000-01"}))
    assert "Tidak ada anggota yang cocok" in text(web.get(DESK, query_string={"q": "zzz%_"}))
    assert web.get(f"{DESK}/card", query_string={"card": "2171000001"}).headers["Location"].endswith(
        f"{DESK}/members/{siti.id}")
    assert "Tidak ada anggota dengan nomor kartu ini" in text(web.get(f"{DESK}/card", query_string={"card": "9999"}))
    page = text(web.get(f"{DESK}/members/{siti.id}"))
    assert "Siti Rahmawati" in page and "Rp75.000" in page and "0812000001" in page
    assert "Laskar Pelangi" in page and "Bumi" in page and "Terlambat" in page
    assert calendar.due_date(old.due_at).strftime("%Y") in page
    assert held.barcode in page.split('id="member-holds"')[1]  # the hold, read-only
    assert "Denda Anda (Rp75.000) melebihi batas" in page or "fines_too_high" in page or "melebihi" in page
    assert web.get(f"{DESK}/members/99999").status_code == 404


def test_block_unblock_lost_found_and_a_new_card(client, session, librarian, siti):
    web, token = librarian
    url = f"{DESK}/members/{siti.id}"
    assert web.post(f"{url}/block", data={"csrf_token": token, "reason": ""}).status_code == 400
    done = web.post(f"{url}/block", data={"csrf_token": token, "reason": "Buku rusak belum diganti"},
                    follow_redirects=True)
    assert "Peminjaman dengan kartu ini ditangguhkan" in text(done) and "Buku rusak belum diganti" in text(done)
    reread(session, siti)
    assert siti.staff_block == "Buku rusak belum diganti"
    assert audited(session, "patron.block").detail["reason"] == "Buku rusak belum diganti"
    assert "Penangguhan sudah dicabut" in text(web.post(f"{url}/unblock", data={"csrf_token": token},
                                                        follow_redirects=True))
    reread(session, siti)
    assert siti.staff_block is None and audited(session, "patron.unblock")

    lost = web.post(f"{url}/lost", data={"csrf_token": token}, follow_redirects=True)
    assert "Kartu ditandai hilang" in text(lost) and "Hilang" in text(lost)
    reread(session, siti)
    assert siti.card_lost and audited(session, "patron.lost")
    taken = make_patron(session, card_number="2171000555")
    session.commit()
    clash = web.post(f"{url}/card", data={"csrf_token": token, "card_number": "2171-000-555"})
    assert clash.status_code == 400 and "sudah dipakai anggota lain" in text(clash)
    assert web.post(f"{url}/card", data={"csrf_token": token, "card_number": "x"}).status_code == 400
    issued = web.post(f"{url}/card", data={"csrf_token": token, "card_number": "BTM-0001"}, follow_redirects=True)
    assert "Anggota mendapat nomor kartu baru" in text(issued) and "BTM0001" in text(issued)
    reread(session, siti)
    assert (siti.card_number, siti.card_lost) == ("BTM0001", False)
    assert audited(session, "patron.new_card").detail == {"card": "BTM0001", "old_card": "2171000001"}
    assert taken.card_number == "2171000555"


def test_pin_reset_unlock_and_fines(client, session, librarian, siti):
    web, token = librarian
    url = f"{DESK}/members/{siti.id}"
    siti.locked_until = calendar.utcnow() + timedelta(minutes=10)
    siti.failed_pins = 3
    session.commit()
    page = text(web.get(url))
    assert "Terkunci setelah 5 kali salah PIN sampai pukul" in page and "Buka kunci PIN" in page
    assert "Kunci PIN sudah dibuka" in text(web.post(f"{url}/unlock", data={"csrf_token": token},
                                                     follow_redirects=True))
    reread(session, siti)
    assert (siti.locked_until, siti.failed_pins) == (None, 0) and audited(session, "patron.unlock")

    differ = web.post(f"{url}/pin", data={"csrf_token": token, "pin": "8642", "again": "8643"})
    assert differ.status_code == 400 and "Kedua PIN tidak sama" in text(differ)
    short = web.post(f"{url}/pin", data={"csrf_token": token, "pin": "12", "again": "12"})
    assert short.status_code == 400 and "4 sampai 8 angka" in text(short)
    saved = web.post(f"{url}/pin", data={"csrf_token": token, "pin": "8642", "again": "8642"}, follow_redirects=True)
    assert "PIN baru sudah disimpan" in text(saved)
    reread(session, siti)
    assert check_pin("8642", siti.pin_hash) and local.authenticate(session, "2171000001", "8642") is not None
    entry = audited(session, "patron.pin")
    assert "8642" not in str(entry.detail)

    too_much = web.post(f"{url}/fines", data={"csrf_token": token, "paid": "100.000"})
    assert too_much.status_code == 400 and "melebihi denda" in text(too_much)
    assert web.post(f"{url}/fines", data={"csrf_token": token, "paid": "lima"}).status_code == 400
    paid = web.post(f"{url}/fines", data={"csrf_token": token, "paid": "Rp25.000"}, follow_redirects=True)
    assert "Pembayaran sudah dicatat" in text(paid) and "Rp50.000" in text(paid)
    reread(session, siti)
    assert siti.fines == 50000
    assert audited(session, "patron.fines_paid").detail == {"card": "2171000001", "paid": 25000, "owed_now": 50000}
    owed = web.post(f"{url}/fines", data={"csrf_token": token, "owed": "0"}, follow_redirects=True)
    assert "Jumlah denda sudah diubah" in text(owed)
    reread(session, siti)
    assert siti.fines == 0 and audited(session, "patron.fines").detail["before"] == 50000


MEMBERS = """nomor_kartu;nama;kategori;berlaku_sampai;pin;telepon;denda
2171000001;Siti Rahmawati;dewasa;31/12/2027;2468;0812000001;0
2171000002;Budi Santoso;anak;2027-06-30;1357;;15.000
2171000003;;pelajar;2027-01-01;1111;;
2171000004;Dewi Lestari;pustakawan;2027-01-01;1111;;
2171000005;Rina;<b>x</b>;2027-01-01;1111;;
"""


def test_member_import_from_the_browser_reports_in_indonesian(client, session, librarian):
    web, token = librarian
    res = web.post(f"{DESK}/import", data={"csrf_token": token,
                                           "file": (io.BytesIO(MEMBERS.encode()), "anggota.csv")},
                   content_type="multipart/form-data")
    page = text(res)
    assert res.status_code == 200 and "2 baru, 0 diperbarui, 0 tidak berubah, 3 gagal." in page
    assert "nama kosong" in page and "kategori &#39;pustakawan&#39; bukan salah satu dari dewasa/adult" in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page  # a cell of the file is text, never markup
    assert "name is missing" not in page
    budi = session.scalars(select(Patron).where(Patron.card_number == "2171000002")).one()
    assert (budi.category, budi.fines) == ("child", 15000)
    assert audited(session, "patron.import").detail == {"file": "anggota.csv", "new": 2, "updated": 0,
                                                        "unchanged": 0, "failed": 3}
    english = web.post(f"{DESK}/import?lang=en", data={"csrf_token": token,
                                                       "file": (io.BytesIO(MEMBERS.encode()), "anggota.csv")},
                       content_type="multipart/form-data")
    assert "0 new, 0 updated, 2 unchanged, 3 failed." in text(english) and "name is missing" in text(english)
    none = web.post(f"{DESK}/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert none.status_code == 400 and "Pilih berkas CSV" in text(none)
    latin1 = web.post(f"{DESK}/import", data={"csrf_token": token, "file": (io.BytesIO("nama\nJos\xe9".encode("latin-1")),
                                                                           "x.csv")},
                      content_type="multipart/form-data")
    assert latin1.status_code == 400 and "bukan teks UTF-8" in text(latin1)


def test_check_out_and_in_at_the_desk(client, session, librarian, siti):
    web, token = librarian
    siti.fines = 0
    book = make_book(session, title="Laskar Pelangi")
    make_item(session, book, barcode="B-0001")
    reference = make_item(session, book, status="reference")
    orphan = make_item(session, make_book(session, title="Bumi Manusia"), barcode="B-0002", status="on_loan")
    session.commit()
    assert "backend lokal" in text(web.get(f"{DESK}/loans"))
    lent = web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkout", "card": "2171-000001",
                                           "barcode": "B-0001"})
    due = calendar.local_today() + timedelta(days=14)
    assert lent.status_code == 200 and "Dipinjamkan: Laskar Pelangi (B-0001). Kembalikan paling lambat" in text(lent)
    assert str(due.year) in text(lent)
    loan = session.scalars(select(Loan)).one()
    assert calendar.due_date(loan.due_at) == due and loan.kiosk_id is None
    assert audited(session, "loan.checkout").detail["barcode"] == "B-0001"
    refused = web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkout", "card": "2171000001",
                                              "barcode": reference.barcode})
    assert refused.status_code == 403 and 'data-error-code="reference_copy"' in text(refused)
    unknown = web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkout", "card": "0000",
                                              "barcode": "B-0001"})
    assert unknown.status_code == 404 and 'data-error-code="unknown_card"' in text(unknown)
    assert web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkout", "card": "2171000001",
                                           "barcode": ""}).status_code == 400
    assert web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "x", "barcode": "B-0001"}).status_code == 400

    back = web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkin", "barcode": "B-0001"})
    assert back.status_code == 200 and "Dikembalikan: Laskar Pelangi (B-0001)." in text(back)
    reread(session, loan)
    assert loan.returned_at is not None and audited(session, "loan.checkin")
    again = web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkin", "barcode": "B-0001"})
    assert again.status_code == 409 and "tidak sedang dipinjam" in text(again)
    # A copy marked on loan with no loan record: the check-in puts it right and says so.
    fixed = web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkin", "barcode": "B-0002"})
    assert fixed.status_code == 200 and "Status eksemplar diperbaiki: " in text(fixed)
    reread(session, orphan)
    assert orphan.status == "available"
    assert web.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkout", "card": "2171000001",
                                           "barcode": "B-0002"}).status_code == 200


def test_the_overdue_list_and_its_csv(client, session, librarian, siti):
    web, _token = librarian
    late = make_item(session, make_book(session, title="=HYPERLINK(\"x\")"), barcode="B-LATE")
    fresh = make_item(session, make_book(session, title="Bumi"), barcode="B-FRESH")
    loan = local.checkout(session, siti, late, max_fines=10**9, now=calendar.utcnow() - timedelta(days=20))
    local.checkout(session, siti, fresh, max_fines=10**9)
    session.commit()
    page = text(web.get(f"{DESK}/overdue"))
    assert "Peminjaman terlambat" in page and "B-LATE" in page and "B-FRESH" not in page and "Siti Rahmawati" in page
    days = (calendar.local_today() - calendar.due_date(loan.due_at)).days
    assert days == 6
    res = web.get(f"{DESK}/overdue.csv")
    assert res.mimetype == "text/csv" and "attachment" in res.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(res.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["card_number", "name", "phone"]
    assert rows[1] == ["2171000001", "Siti Rahmawati", "0812000001", "", "B-LATE", "'=HYPERLINK(\"x\")",
                       calendar.due_date(loan.due_at).isoformat(), "6", "75000"]
    assert len(rows) == 2


def test_closed_days_list_add_and_remove(client, session, librarian):
    web, token = librarian
    first = calendar.local_today() + timedelta(days=30)
    added = web.post(f"{DESK}/closed-days", data={"csrf_token": token, "first": first.isoformat(),
                                                  "last": (first + timedelta(days=2)).isoformat(), "reason": "Natal"},
                     follow_redirects=True)
    assert "Hari libur sudah disimpan" in text(added) and text(added).count("Natal") == 3
    assert {d.day for d in session.scalars(select(ClosedDay))} == {first + timedelta(days=n) for n in range(3)}
    assert audited(session, "closed_day.add").detail["added"] == 3
    backwards = web.post(f"{DESK}/closed-days", data={"csrf_token": token, "first": first.isoformat(),
                                                      "last": (first - timedelta(days=1)).isoformat()})
    assert backwards.status_code == 400 and "Rentang berakhir sebelum dimulai" in text(backwards)
    assert web.post(f"{DESK}/closed-days", data={"csrf_token": token, "first": "besok"}).status_code == 400
    long = web.post(f"{DESK}/closed-days", data={"csrf_token": token, "first": "2030-01-01", "last": "2031-06-01"})
    assert long.status_code == 400
    removed = web.post(f"{DESK}/closed-days/remove", data={"csrf_token": token, "day": first.isoformat()},
                       follow_redirects=True)
    assert "Hari itu kembali buka" in text(removed)
    session.rollback()  # a fresh snapshot after the request's commit
    assert first not in {d.day for d in session.scalars(select(ClosedDay))}
    assert audited(session, "closed_day.remove").detail == {"day": first.isoformat()}
    # Due dates follow at once: a loan due on a closed day moves to the next open one.
    assert calendar.due_date(calendar.due_at(session, first - timedelta(days=13), 14)) == first + timedelta(days=3)


def test_loan_rules_list_set_edit_and_remove(client, session, librarian):
    web, token = librarian
    page = text(web.get(f"{DESK}/loan-rules"))
    assert "Aturan peminjaman" in page and "semua (bawaan)" in page
    form = {"csrf_token": token, "category": "child", "item_type": "DVD", "loan_days": "3", "max_loans": "1",
            "max_renewals": "0"}
    saved = web.post(f"{DESK}/loan-rules", data=form, follow_redirects=True)
    assert "Aturan peminjaman sudah disimpan" in text(saved) and "dvd" in text(saved)
    assert local.rule_for(session, "child", "dvd") == local.Rule(3, 1, 0, "dvd")
    web.post(f"{DESK}/loan-rules", data={**form, "loan_days": "5"})  # the same pair: edited, not added
    session.rollback()  # a fresh snapshot after the request's commit
    rule = session.scalars(select(LoanRule)).one()
    assert rule.loan_days == 5 and audited_count(session, "loan_rule.set") == 2
    for bad in ({"category": "ghost"}, {"loan_days": "0"}, {"max_loans": "-1"}, {"item_type": "a b"},
                {"loan_days": "tujuh"}):
        res = web.post(f"{DESK}/loan-rules", data={**form, **bad})
        assert res.status_code == 400 and 'data-error-code="desk_refused"' in text(res), bad
    removed = web.post(f"{DESK}/loan-rules/{rule.id}/remove", data={"csrf_token": token}, follow_redirects=True)
    assert "Aturan peminjaman sudah dihapus" in text(removed)
    session.rollback()  # a fresh snapshot after the request's commit
    assert session.scalar(select(LoanRule)) is None and audited(session, "loan_rule.remove")
    assert local.rule_for(session, "child", "dvd") == local.DEFAULT_RULES["child"]
    assert web.post(f"{DESK}/loan-rules/99999/remove", data={"csrf_token": token}).status_code == 404


def audited_count(session, action: str) -> int:
    return len(session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all())


@pytest.mark.parametrize("config, words", [
    ({"CIRCULATION": "sip2", "SIP2_HOST": "127.0.0.1", "SIP2_PORT": 1}, "dikirim ke sistem itu"),
    ({"CIRCULATION": "slims", "SLIMS_DATABASE_URL": "mysql+pymysql://slims:x@127.0.0.1:1/slims"},
     "ditulis langsung ke tabel peminjaman SLiMS"),
])
def test_the_loans_page_says_what_a_sip2_or_slims_backend_does(make_app, config, words):
    app = make_app(**config)
    with app.app_context():
        session = app.extensions["pindai.sessionmaker"]()
        create_staff(session, "budi", PASSWORD, "librarian", "Budi", method=FAST_HASH)
        session.commit()
        session.close()
    web = app.test_client()
    login(web, "budi")
    page = web.get(f"{DESK}/loans")
    assert page.status_code == 200 and words in text(page)
    assert f'data-backend="{config["CIRCULATION"]}"' in text(page)
