"""Duplicate records from imports without ISBNs: found on import, merged by a
librarian (copies, codes, extras and ISBNs move; old labels and links keep
working; a re-import does not bring the duplicate back), and kept out of the
way in search and "related books" meanwhile."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from content_service.catalogue.duplicates import likely_duplicates, work_key
from content_service.catalogue.merging import merge_books
from content_service.catalogue.models import Asset, Book, Isbn, Item
from content_service.codes.models import Code
from content_service.events.models import Event, EventBook
from content_service.imports import detect_kind, import_file
from tests.conftest import shared_path
from tests.factories import make_asset, make_book, make_code, make_item

KAMIS_LIKE = (
    "list_position,title,author,year,first_published,publisher,description\n"
    "1,Laskar Pelangi,Andrea Hirata,2008,2005,Bentang Pustaka,"
    "\"Laskar Pelangi: sebelas anak Laskar Pelangi di Belitong. Laskar Pelangi, pelangi, pelangi.\"\n"
    "2,Bumi Manusia,Pramoedya Ananta Toer,2005,,Lentera Dipantara,Minke dan Annelies.\n"
    "3,Ronggeng Dukuh Paruk,Ahmad Tohari,2003,1982,Gramedia,Srintil.\n"
)


@pytest.fixture
def library(session):
    books = {
        "laskar": make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], year=2005, language="id",
                            isbn13="9789793062792", copies=2, subjects=["Novel"]),
        "maryamah": make_book(session, title="Maryamah Karpov", authors=["Andrea Hirata"], year=2008,
                              subjects=["Novel"], copies=1),
        "bumi": make_book(session, title="Bumi Manusia", authors=["Pramoedya Ananta Toer"], year=1980,
                          isbn13="9789799731234", copies=1),
    }
    session.commit()
    return books


def _import(session, tmp_path, text=KAMIS_LIKE, name="bukuindonesia.csv", kind="csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_file(session, path, kind)


def test_work_key_ignores_case_accents_punctuation_and_name_order():
    assert work_key("Laskar  Pelangi!", ["Hirata, Andrea"]) == work_key("laskar pelangi", ["Andrea Hirata"])
    assert work_key("Ayat-Ayat Cinta", ["Habiburrahman El Shirazy"]) == work_key("Ayat Ayat Cinta", ["Habiburrahman el-Shirazy"])
    assert work_key("Café", ["Zoë"]) == work_key("cafe", ["zoe"])
    assert work_key("Laskar Pelangi", ["Andrea Hirata"]) != work_key("Sang Pemimpi", ["Andrea Hirata"])


def test_an_import_without_isbns_reports_its_likely_duplicates(session, library, tmp_path):
    report = _import(session, tmp_path)
    assert report.count("imported") == 3  # imported, not guessed into another record: a librarian decides
    (dup,) = report.duplicates
    assert dup.label == "Laskar Pelangi"  # first published 2005, as the catalogue's record: the 2008 reprint year aside
    assert dup.duplicates == [(library["laskar"].id, "Laskar Pelangi")]
    new = session.get(Book, dup.book_id)
    assert new.title == "Laskar Pelangi" and new.year == 2005 and not new.isbns
    # Bumi Manusia 2005 is not the 1980 record: the year disagrees.
    assert "likely duplicates" in report.summary()
    groups = likely_duplicates(session)
    assert [[b.id for b in g] for g in groups] == [[library["laskar"].id, new.id]]  # the one with copies first


def test_merge_moves_everything_and_old_codes_and_links_lead_to_the_kept_record(session, library, tmp_path, client,
                                                                                   app):
    report = _import(session, tmp_path)
    dup_id = report.duplicates[0].book_id
    dup = session.get(Book, dup_id)
    dup.isbns.append(Isbn(isbn13="9786022910442", position=0))
    copy = make_item(session, dup, barcode="KAMIS-1")
    poster_code = make_code(session, dup)
    copy_code = make_code(session, copy)
    make_asset(session, dup, title="Wawancara penulis", url="https://example.org/wawancara")
    start = datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc)
    event = Event(title="Klub Buku", starts_at=start, ends_at=start + timedelta(hours=1))
    session.add(event)
    session.flush()
    session.add_all([EventBook(event_id=event.id, book_id=dup_id)])
    session.commit()
    keep_id = library["laskar"].id
    barcodes = sorted([*(i.barcode for i in library["laskar"].items), "KAMIS-1"])
    with app.app_context():
        merge_books(session, keep_id, [dup_id])
        session.commit()
    session.expire_all()
    assert session.get(Book, dup_id) is None
    kept = session.get(Book, keep_id)
    assert sorted(i.barcode for i in kept.items) == barcodes
    assert [i.isbn13 for i in kept.isbns] == ["9789793062792", "9786022910442"]
    assert [a.title for a in session.scalars(select(Asset).where(Asset.book_id == keep_id))] == ["Wawancara penulis"]
    assert kept.summary and "Belitong" in kept.summary  # an empty field filled from the merged record
    assert session.scalars(select(EventBook.book_id).where(EventBook.event_id == event.id)).all() == [keep_id]
    assert session.get(Code, poster_code).target_id == keep_id
    # Printed labels never change: both old codes resolve to the kept record.
    for code in (poster_code, copy_code):
        body = client.get("/api/v1/resolve", query_string={"payload": f"https://pindai.example.id/q/{code}"}).get_json()
        assert body["book"]["id"] == keep_id, body
    moved = client.get(f"/books/{dup_id}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/books/{keep_id}")
    assert client.get("/books/999999").status_code == 404
    # The same file again updates the kept record: the duplicate does not come back.
    again = _import(session, tmp_path)
    assert again.count("imported") == 0 and not again.duplicates
    assert session.scalars(select(Book.id).where(Book.title == "Laskar Pelangi")).all() == [keep_id]
    assert likely_duplicates(session) == []


def test_merging_a_book_into_itself_or_a_missing_one_is_refused(session, library, app):
    from content_service.catalogue.merging import CannotMerge

    with app.app_context():
        with pytest.raises(CannotMerge):
            merge_books(session, library["laskar"].id, [library["laskar"].id])
        with pytest.raises(CannotMerge):
            merge_books(session, library["laskar"].id, [999999])


@pytest.mark.parametrize("backend", ["whoosh", "tantivy"])
def test_copyless_duplicate_never_outranks_and_is_never_related(make_app, backend, tmp_path, db_url):
    if backend == "tantivy" and not db_url.startswith("sqlite"):
        pytest.skip("the backends share their database code: tantivy is tested on SQLite")
    app = make_app(SEARCH_BACKEND=backend)
    client = app.test_client()
    session = app.extensions["pindai.sessionmaker"]()
    try:
        laskar = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], year=2005,
                           isbn13="9789793062792", copies=2, subjects=["Novel"])
        make_book(session, title="Maryamah Karpov", authors=["Andrea Hirata"], year=2008, subjects=["Novel"], copies=1)
        session.commit()
        assert client.get("/api/v1/search?q=laskar").status_code == 200  # the index exists from here on
        report = _import(session, tmp_path)
        dup_id = report.duplicates[0].book_id
        found = client.get("/api/v1/search", query_string={"q": "laskar pelangi"}).get_json()
        ids = [item["id"] for item in found["items"]]
        assert ids[:2] == [laskar.id, dup_id], found  # the record with copies first
        page = client.get("/search", query_string={"q": "laskar pelangi"}).get_data(as_text=True)
        assert page.index(f"/books/{laskar.id}\"") < page.index(f"/books/{dup_id}\"")
        for book_id in (laskar.id, dup_id):
            related = client.get(f"/api/v1/books/{book_id}/related").get_json()
            titles = [item["title"] for item in related["items"]]
            assert "Laskar Pelangi" not in titles and titles[0] == "Maryamah Karpov", titles
    finally:
        session.close()


def test_a_csv_with_marc_left_selected_is_read_as_csv(session, tmp_path):
    report = _import(session, tmp_path, kind="marc")
    assert report.chosen == "marc" and report.kind == "csv" and report.count("imported") == 3
    marc_bytes = b"00714cam a2200205 a 4500001001200000\x1e\x1d"
    (tmp_path / "x.mrc").write_bytes(marc_bytes)
    assert detect_kind(tmp_path / "x.mrc", "csv") == "marc"
    (tmp_path / "x.xml").write_text("<collection xmlns='http://www.loc.gov/MARC21/slim'/>")
    assert detect_kind(tmp_path / "x.xml", "csv") == "marc"
    (tmp_path / "odd.txt").write_text("just words")
    assert detect_kind(tmp_path / "odd.txt", "marc") == "marc"  # nothing says otherwise: the choice stands


@pytest.mark.shared_data
def test_kamisdata_on_a_catalogue_with_isbns_reports_laskar_pelangi(session, library):
    report = import_file(session, shared_path("catalog", "kamisdata-buku-indonesia", "bukuindonesia.csv"), "csv")
    dups = {o.label: o.duplicates for o in report.duplicates}
    assert dups.get("Laskar Pelangi") == [(library["laskar"].id, "Laskar Pelangi")], sorted(dups)[:20]
    assert session.scalars(select(Item.book_id).distinct()).all()  # copies stay where they were
