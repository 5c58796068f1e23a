"""Holds at the circulation desk through HTTP, on SQLite and PostgreSQL: a
librarian reserves a title for a member (by a copy's barcode, the ISBN or a
label), sees the member's place in the queue, the hold shelf after a
check-in, cancels a hold whose copy then passes to the next member, and ends
the holds not collected in time. Each change is checked in the database, on
the page and in the audit log; refusals are the backend's, on the page."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from content_service import codes
from content_service.circulation import calendar, local
from content_service.circulation.models import Hold
from tests.factories import make_book, make_item

from .helpers import make_patron
from .test_desk import DESK, audited, librarian, text  # noqa: F401  (a fixture)

LIMIT = 10**9


def lent(session, title="Laskar Pelangi", isbn13="9789793062792"):
    """A title whose one copy is out with Budi."""
    book = make_book(session, title=title, isbn13=isbn13)
    item = make_item(session, book, barcode="HOLD-0001")
    budi = make_patron(session, name="Budi Santoso", card_number="2171000009")
    local.checkout(session, budi, item, max_fines=LIMIT)
    return book, item, budi


def place(client, token, patron, what):
    return client.post(f"{DESK}/members/{patron.id}/holds", data={"csrf_token": token, "book": what})


def test_a_librarian_reserves_a_title_for_a_member_by_barcode_isbn_or_label(app, librarian, session):
    client, token = librarian
    book, item, _ = lent(session)
    siti = make_patron(session, name="Siti Rahmawati", card_number="2171000001")
    ani = make_patron(session, name="Ani Lestari", card_number="2171000002")
    dewi = make_patron(session, name="Dewi Sartika", card_number="2171000003")
    label = codes.label_url(app.config["PUBLIC_BASE_URL"], codes.ensure_code(session, "book", book.id).code)
    session.commit()
    first = place(client, token, siti, "HOLD-0001")
    assert first.status_code == 200
    assert "Dipesan: Laskar Pelangi. Urutan dalam daftar tunggu: 1." in text(first)
    assert "Menunggu: urutan ke-1 dalam daftar tunggu" in text(first)
    assert "Menunggu: urutan ke-2 dalam daftar tunggu" in text(place(client, token, ani, "978-979-3062-79-2"))
    assert "Dipesan: Laskar Pelangi" in text(place(client, token, dewi, label))
    session.rollback()
    from content_service.staff.models import AuditEntry

    placed = session.scalars(select(AuditEntry).where(AuditEntry.action == "hold.place").order_by(AuditEntry.id)).all()
    assert [e.detail["card"] for e in placed] == ["2171000001", "2171000002", "2171000003"]
    queue = session.scalars(select(Hold).where(Hold.book_id == book.id).order_by(Hold.id)).all()
    assert [h.patron.name for h in queue] == ["Siti Rahmawati", "Ani Lestari", "Dewi Sartika"]
    page = text(client.get(f"{DESK}/holds"))
    assert "Laskar Pelangi" in page and "Siti Rahmawati" in page and "Daftar tunggu" in page


def test_the_backend_s_refusals_show_on_the_member_page_and_nothing_is_kept(librarian, session):
    client, token = librarian
    book, item, budi = lent(session)
    on_shelf = make_book(session, title="Bumi")
    make_item(session, on_shelf, barcode="SHELF-0001")
    siti = make_patron(session, name="Siti Rahmawati", card_number="2171000001")
    session.commit()
    refused = place(client, token, siti, "SHELF-0001")
    assert refused.status_code == 409 and "copy_on_shelf" in refused.get_data(as_text=True)
    assert 'value="SHELF-0001"' in refused.get_data(as_text=True)  # what was typed stays in the form
    empty = place(client, token, siti, "")
    assert empty.status_code == 400 and "Pindai atau ketik barcode eksemplar, ISBN atau label QR buku." in text(empty)
    unknown = place(client, token, siti, "NOT-A-COPY-ANYWHERE")
    assert unknown.status_code == 422 and 'data-error-code="not_ours"' in unknown.get_data(as_text=True)
    own = place(client, token, budi, "HOLD-0001")
    assert own.status_code == 409 and "reserve_own_loan" in own.get_data(as_text=True)
    # Every refusal above left no hold behind.
    session.rollback()
    assert session.scalars(select(Hold)).all() == []


def test_cancelling_a_hold_on_the_shelf_passes_the_copy_to_the_next_member(librarian, session):
    client, token = librarian
    book, item, budi = lent(session)
    siti = make_patron(session, name="Siti Rahmawati", card_number="2171000001")
    ani = make_patron(session, name="Ani Lestari", card_number="2171000002")
    session.commit()
    place(client, token, siti, "HOLD-0001")
    place(client, token, ani, "HOLD-0001")
    back = client.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkin", "barcode": "HOLD-0001"})
    assert back.status_code == 200 and "Letakkan di rak pesanan untuk Siti (kartu •••001)." in text(back)
    shelf = text(client.get(f"{DESK}/holds"))
    assert "Rak pesanan (1)" in shelf and "HOLD-0001" in shelf and "Siti Rahmawati" in shelf
    session.rollback()
    siti_hold = session.scalars(select(Hold).where(Hold.patron_id == siti.id)).one()
    assert siti_hold.item_id == item.id and siti_hold.ready_at is not None
    member = text(client.get(f"{DESK}/members/{siti.id}"))
    assert "Di rak pesanan: HOLD-0001, diambil paling lambat" in member
    cancelled = client.post(f"{DESK}/holds/{siti_hold.id}/cancel", data={"csrf_token": token, "back": "member"})
    assert cancelled.status_code == 200
    assert ("Pesanan dibatalkan. Eksemplar HOLD-0001 tetap di rak pesanan, sekarang untuk Ani (kartu •••002)."
            in text(cancelled))
    entry = audited(session, "hold.cancel")
    assert entry.detail["passed_to"] == "2171000002" and entry.detail["barcode"] == "HOLD-0001"
    ani_hold = session.scalars(select(Hold).where(Hold.patron_id == ani.id)).one()
    assert ani_hold.item_id == item.id and ani_hold.ready_at is not None
    again = client.post(f"{DESK}/holds/{siti_hold.id}/cancel", data={"csrf_token": token})
    assert again.status_code == 404 and "unknown_hold" in again.get_data(as_text=True)
    last = text(client.post(f"{DESK}/holds/{ani_hold.id}/cancel", data={"csrf_token": token}))
    assert "Tidak ada lagi yang menunggu judul ini: kembalikan eksemplar ke rak." in last
    assert "Rak pesanan kosong." in last


def test_holds_not_collected_in_time_end_from_the_desk(librarian, session):
    client, token = librarian
    book, item, budi = lent(session)
    siti = make_patron(session, name="Siti Rahmawati", card_number="2171000001")
    ani = make_patron(session, name="Ani Lestari", card_number="2171000002")
    session.commit()
    place(client, token, siti, "HOLD-0001")
    place(client, token, ani, "HOLD-0001")
    client.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkin", "barcode": "HOLD-0001"})
    session.rollback()
    hold = session.scalars(select(Hold).where(Hold.patron_id == siti.id)).one()
    hold.pickup_by = calendar.utcnow() - timedelta(hours=1)
    session.commit()
    late = text(client.get(f"{DESK}/holds"))
    assert "Tidak diambil tepat waktu" in late
    ended = text(client.post(f"{DESK}/holds/expire", data={"csrf_token": token}))
    assert "1 pesanan yang lewat batas ambil diakhiri; 1 eksemplar diteruskan" in ended
    session.rollback()
    session.refresh(hold)
    assert hold.end_reason == "expired"
    assert session.scalars(select(Hold).where(Hold.patron_id == ani.id)).one().item_id == item.id
    assert audited(session, "hold.expire").detail["passed_to"] == "2171000002"


def test_desk_hold_forms_need_csrf_and_a_librarian(app, librarian, session):
    client, token = librarian
    siti = make_patron(session, name="Siti Rahmawati", card_number="2171000001")
    session.commit()
    assert client.post(f"{DESK}/members/{siti.id}/holds", data={"book": "X"}).status_code == 400
    assert client.post(f"{DESK}/holds/expire").status_code == 400
    assert app.test_client().get(f"{DESK}/holds").status_code == 302
    assert client.post(f"{DESK}/holds/99999999999/cancel", data={"csrf_token": token}).status_code == 404
