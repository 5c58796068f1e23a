"""One record per title, copies per library: what the phone page and the
kiosk API say about where the copies are, and the `flask library` commands."""
from __future__ import annotations

from content_service import kiosks
from tests.factories import make_book, make_code, make_item, make_library


def _network(session):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book = make_book(session, title="Laskar Pelangi", copies=2)
    make_item(session, book, status="on_loan")
    school_copy = make_item(session, book, library_id=school.id, location="Rak Fiksi")
    return school, book, school_copy


def test_the_phone_page_says_how_many_copies_each_library_has(client, session):
    school, book, school_copy = _network(session)
    book_code, copy_code = make_code(session, book), make_code(session, school_copy)
    session.commit()
    html = client.get(f"/q/{book_code}", headers={"Accept-Language": "id"}).get_data(as_text=True)
    city = html.index("3 eksemplar di Perpustakaan Kota Batam")
    smp = html.index("1 eksemplar di Perpustakaan SMPN 3 Batam")
    assert city < smp
    assert "2 tersedia" in html and "1 tersedia" in html
    english = client.get(f"/q/{book_code}?lang=en").get_data(as_text=True)
    assert "3 copies at Perpustakaan Kota Batam" in english and "1 copy at Perpustakaan SMPN 3 Batam" in english
    # Scanning the school's own copy: the school comes first.
    html = client.get(f"/q/{copy_code}?lang=id").get_data(as_text=True)
    assert html.index("1 eksemplar di Perpustakaan SMPN 3 Batam") < html.index("3 eksemplar di Perpustakaan Kota")


def test_a_kiosk_sees_its_own_library_first(client, session, validate):
    school, book, _copy = _network(session)
    code = make_code(session, book)
    _kiosk, key = kiosks.create_kiosk(session, "Kios SMPN 3", library_id=school.id)
    session.commit()
    anonymous = client.get("/api/v1/resolve", query_string={"payload": code}).get_json()
    assert [(b["code"], b["total"], b["available"]) for b in anonymous["availability"]["libraries"]] == [
        ("kota", 3, 2), ("smpn3", 1, 1)]
    at_school = client.get("/api/v1/resolve", query_string={"payload": code},
                           headers={"Authorization": f"Bearer {key}"}).get_json()
    validate(at_school, "Resolution")
    assert [b["name"] for b in at_school["availability"]["libraries"]] == [
        "Perpustakaan SMPN 3 Batam", "Perpustakaan Kota Batam"]
    detail = client.get(f"/api/v1/books/{book.id}?library=smpn3").get_json()
    validate(detail, "BookDetail")
    assert detail["availability"]["libraries"][0]["code"] == "smpn3"
    assert sorted(item["library"]["code"] for item in detail["items"]) == ["kota", "kota", "kota", "smpn3"]
    missing = client.get(f"/api/v1/books/{book.id}?library=nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "no_such_library"


def test_the_libraries_endpoint_lists_the_network(client, session):
    make_library(session, "Perpustakaan Keliling", code="keliling", kind="mobile")
    session.commit()
    items = client.get("/api/v1/libraries").get_json()["items"]
    assert [(i["code"], i["kind"], i["default"]) for i in items] == [
        ("kota", "city", True), ("keliling", "mobile", False)]


def test_library_commands_and_a_kiosk_in_a_branch(runner):
    result = runner.invoke(args=["library", "add", "SMPN3", "Perpustakaan SMPN 3 Batam", "--kind", "school"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["library", "list"]).output
    assert "kota\tPerpustakaan Kota Batam\tcity *" in listing
    assert "smpn3\tPerpustakaan SMPN 3 Batam\tschool" in listing
    assert runner.invoke(args=["create-kiosk", "Kios SMP", "--library", "smpn3"]).exit_code == 0
    refused = runner.invoke(args=["create-kiosk", "Kios X", "--library", "nope"])
    assert refused.exit_code != 0 and "no library with the code 'nope'" in refused.output
