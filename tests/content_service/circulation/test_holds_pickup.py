"""Holds collected at a chosen library of the network, on SQLite and
PostgreSQL: the kiosk reserves for pickup at its own library (or the one the
member names), the phone and the desk offer every library; a copy returned in
another library than the pickup one is sent there (the check-in says where,
at the desk and the kiosk), and the member's page says where to collect it."""
from __future__ import annotations

import re

from sqlalchemy import select

from content_service import kiosks
from content_service.circulation import holds, local
from content_service.circulation.models import Hold
from tests.factories import make_book, make_item, make_library
from tests.forms import form_token

from .helpers import PIN, login, make_patron
from .test_desk import DESK, librarian, text  # noqa: F401  (a fixture)

API = "/api/v1/circulation"


def lent_title(session):
    book = make_book(session, title="Cantik Itu Luka")
    copy = make_item(session, book, barcode="PICK-0001")  # in the city library
    reader = make_patron(session, name="Budi Santoso", card_number="2171000009")
    local.checkout(session, reader, copy, max_fines=10**9)
    return book, copy


def test_the_kiosk_reserves_for_pickup_at_its_library_or_the_one_named(client, session, validate):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book, _copy = lent_title(session)
    ani = make_patron(session, name="Ani Lestari", card_number="2171000002")
    dewi = make_patron(session, name="Dewi Sartika", card_number="2171000003")
    _k, key = kiosks.create_kiosk(session, "Kios SMPN 3", library_id=school.id)
    session.commit()
    at_school = {"Authorization": f"Bearer {key}"}
    made = client.post(f"{API}/holds", json={"book_id": book.id}, headers=login(client, at_school, ani.card_number))
    assert made.status_code == 201
    assert made.get_json()["hold"]["pickup_library"] == {"id": school.id, "code": "smpn3",
                                                         "name": "Perpustakaan SMPN 3 Batam"}
    headers = login(client, at_school, dewi.card_number)
    city = client.post(f"{API}/holds", json={"book_id": book.id, "pickup_library": "kota"}, headers=headers)
    assert city.status_code == 201 and city.get_json()["hold"]["pickup_library"]["code"] == "kota"
    other = make_book(session, title="Bumi")
    make_item(session, other, status="on_loan")
    session.commit()
    missing = client.post(f"{API}/holds", json={"book_id": other.id, "pickup_library": "nope"}, headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "no_such_library"
    wrong = client.post(f"{API}/holds", json={"book_id": other.id, "pickup_library": 7}, headers=headers)
    assert wrong.status_code == 400


def test_a_copy_for_a_member_collecting_elsewhere_is_sent_there(librarian, session, client):
    desk, token = librarian
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book, copy = lent_title(session)
    ani = make_patron(session, name="Ani Lestari", card_number="2171000002", home_library_id=school.id)
    session.commit()
    member_page = text(desk.get(f"{DESK}/members/{ani.id}"))
    assert 'id="pickup-library"' in member_page and re.search(r'<option value="smpn3" selected', member_page)
    placed = desk.post(f"{DESK}/members/{ani.id}/holds", data={"csrf_token": token, "book": "PICK-0001"})
    assert placed.status_code == 200
    session.rollback()
    hold = session.scalars(select(Hold).where(Hold.patron_id == ani.id)).one()
    assert hold.pickup_library_id == school.id  # her home library, the form's default
    back = desk.post(f"{DESK}/loans", data={"csrf_token": token, "action": "checkin", "barcode": "PICK-0001"})
    assert ("Kirim ke Perpustakaan SMPN 3 Batam untuk Ani (kartu •••002): anggota mengambilnya di sana."
            in text(back))
    assert "Eksemplar PICK-0001 sedang dikirim ke Perpustakaan SMPN 3 Batam" in text(desk.get(f"{DESK}/members/{ani.id}"))
    shelf = text(desk.get(f"{DESK}/holds"))
    assert "Kirim ke sana" in shelf
    session.rollback()
    session.refresh(hold)
    assert holds.in_transit(hold) and not holds.hold_dict(session, hold)["ready"]  # not ready for her yet
    arrived = desk.post(f"{DESK}/holds/{hold.id}/arrived", data={"csrf_token": token})
    assert "Sudah tiba: letakkan di rak pesanan untuk Ani." in text(arrived)
    session.rollback()
    session.refresh(hold)
    assert not holds.in_transit(hold) and holds.hold_dict(session, hold)["ready"] and hold.arrived_at is not None
    again = desk.post(f"{DESK}/holds/{hold.id}/arrived", data={"csrf_token": token})
    assert again.status_code == 404


def test_the_phone_offers_every_library_to_collect_at(client, session):
    make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book, _copy = lent_title(session)
    make_patron(session, name="Siti Rahmawati", card_number="2171000001")
    session.commit()
    token = form_token(client, "/akun")
    client.post("/akun/masuk", data={"csrf_token": token, "card_number": "2171000001", "pin": PIN})
    page = client.get(f"/akun/pesan/{book.id}").get_data(as_text=True)
    options = re.findall(r'<option value="([a-z0-9]+)">', page)
    assert options == ["kota", "smpn3"]  # the library holding the copy first
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    made = client.post(f"/akun/pesan/{book.id}", data={"csrf_token": token, "pickup_library": "smpn3"})
    assert made.status_code == 200 and "di Perpustakaan SMPN 3 Batam" in text(made)
    session.rollback()
    assert session.scalars(select(Hold.pickup_library_id)).one() is not None
