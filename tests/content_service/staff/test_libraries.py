"""Staff and the libraries of the network: an account limited to a school
library changes that school's copies only (refused elsewhere, whichever
form is used), network staff pick and move libraries, admins manage the
libraries and whom they scope."""
from __future__ import annotations

from sqlalchemy import select

from content_service.catalogue.models import Book, Item
from content_service.staff.models import StaffUser
from tests.content_service.staff.conftest import csrf_token, login
from tests.factories import make_book, make_item, make_library


def _school_librarian(app, session, make_staff, school):
    user = make_staff("librarian", "guru-pustaka")
    user = session.get(StaffUser, user.id)
    user.library_id = school.id
    session.commit()
    client = app.test_client()
    assert login(client, "guru-pustaka").status_code == 302
    return client, csrf_token(client, "/staff/analytics")


def test_a_school_librarian_edits_her_school_s_copies_only(app, session, make_staff):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book = make_book(session, title="Laskar Pelangi")
    city_copy = make_item(session, book, barcode="KOTA001")
    school_copy = make_item(session, book, barcode="SMP001", library_id=school.id)
    session.commit()
    client, token = _school_librarian(app, session, make_staff, school)

    page = client.get(f"/staff/books/{book.id}?lang=id").get_data(as_text=True)
    assert "Perpustakaan Kota Batam" in page and "hanya staf jaringan" in page

    ok = client.post(f"/staff/items/{school_copy.id}", data={
        "csrf_token": token, "barcode": "SMP001", "location": "Rak Fiksi", "status": "available"})
    assert ok.status_code == 303
    refused = client.post(f"/staff/items/{city_copy.id}?lang=id", data={
        "csrf_token": token, "barcode": "KOTA001", "location": "Gudang", "status": "missing"})
    assert refused.status_code == 403
    assert "milik perpustakaan lain dalam jaringan" in refused.get_data(as_text=True)
    # Moving her copy to the city library, or adding a copy there, is refused too.
    moved = client.post(f"/staff/items/{school_copy.id}", data={
        "csrf_token": token, "barcode": "SMP001", "status": "available", "library": "kota"})
    assert moved.status_code == 403
    added_elsewhere = client.post(f"/staff/books/{book.id}/items", data={
        "csrf_token": token, "barcode": "SMP002", "status": "available", "library": "kota"})
    assert added_elsewhere.status_code == 403
    assert client.post(f"/staff/books/{book.id}/items", data={
        "csrf_token": token, "barcode": "SMP003", "status": "available"}).status_code == 303
    # The shared record of a title the city library also holds stays as it was.
    record = client.post(f"/staff/books/{book.id}/edit", data={"csrf_token": token, "title": "Diganti"})
    assert record.status_code == 403

    session.expire_all()
    copies = {i.barcode: (i.library.code, i.location, i.status) for i in session.scalars(select(Item))}
    assert copies == {"KOTA001": ("kota", "Lantai 1 · Rak A1", "available"),
                      "SMP001": ("smpn3", "Rak Fiksi", "available"),
                      "SMP003": ("smpn3", None, "available")}
    assert session.get(Book, book.id).title == "Laskar Pelangi"


def test_a_school_librarian_edits_a_record_only_her_school_holds(app, session, make_staff):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book = make_book(session, title="Buku Sekolah")
    make_item(session, book, library_id=school.id)
    session.commit()
    client, token = _school_librarian(app, session, make_staff, school)
    res = client.post(f"/staff/books/{book.id}/edit", data={"csrf_token": token, "title": "Buku Sekolah Kita"})
    assert res.status_code == 303
    session.expire_all()
    assert session.get(Book, book.id).title == "Buku Sekolah Kita"


def test_network_staff_add_move_and_filter_copies_by_library(session, staff_client):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book = make_book(session, title="Ronggeng Dukuh Paruk")
    make_book(session, title="Bumi Manusia", copies=1)
    session.commit()
    client, token = staff_client("librarian")
    assert client.post(f"/staff/books/{book.id}/items", data={
        "csrf_token": token, "barcode": "SMP010", "status": "available", "library": "smpn3"}).status_code == 303
    item = session.scalars(select(Item).where(Item.barcode == "SMP010")).one()
    assert item.library_id == school.id
    listing = client.get("/staff/books?library=smpn3&lang=id").get_data(as_text=True)
    assert "Ronggeng Dukuh Paruk" in listing and "Bumi Manusia" not in listing
    assert client.post(f"/staff/items/{item.id}", data={
        "csrf_token": token, "barcode": "SMP010", "status": "available", "library": "kota"}).status_code == 303
    session.rollback()  # a fresh snapshot of the database
    assert session.get(Item, item.id).library.code == "kota"


def test_admins_manage_the_libraries_and_scope_accounts(session, staff_client, make_staff):
    client, token = staff_client("admin")
    page = client.get("/staff/libraries?lang=id").get_data(as_text=True)
    assert "Perpustakaan Kota Batam" in page and "Perpustakaan utama" in page
    res = client.post("/staff/libraries", data={"csrf_token": token, "code": "keliling",
                                                "name": "Perpustakaan Keliling Batam", "kind": "mobile"})
    assert res.status_code == 303
    page = client.get("/staff/libraries?lang=id").get_data(as_text=True)
    assert "Perpustakaan Keliling Batam" in page and "Perpustakaan keliling" in page
    bad = client.post("/staff/libraries?lang=id", data={"csrf_token": token, "code": "Bad Code!", "name": "X"})
    assert bad.status_code == 400 and "huruf kecil" in bad.get_data(as_text=True)
    default = client.post("/staff/libraries/1?lang=id", data={
        "csrf_token": token, "name": "Perpustakaan Kota Batam", "kind": "city", "active": "0"})
    assert default.status_code == 400
    user = make_staff("librarian", "pustakawan-keliling")
    res = client.post(f"/staff/admin/users/{user.id}", data={
        "csrf_token": token, "role": "librarian", "active": "1", "library": "keliling"})
    assert res.status_code == 303
    session.rollback()
    assert session.scalar(select(StaffUser.library_id).where(StaffUser.id == user.id)) is not None
