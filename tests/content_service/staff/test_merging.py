"""Duplicate records in the portal: the import report names them, the book
page says so, and a librarian merges them ("Gabungkan cantuman"), audited;
an editor may look but not merge."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from content_service.catalogue.models import Book
from content_service.staff.models import AuditEntry
from tests.factories import make_book, make_code

KAMIS_LIKE = (b"list_position,title,author,year,first_published,publisher\n"
              b"1,Laskar Pelangi,Andrea Hirata,2008,2005,Bentang Pustaka\n"
              b"2,Ronggeng Dukuh Paruk,Ahmad Tohari,2003,1982,Gramedia\n")


@pytest.fixture
def laskar(session):
    book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], year=2005,
                     isbn13="9789793062792", copies=2)
    session.commit()
    return book


def test_import_report_names_likely_duplicates_and_the_merge_keeps_labels(staff_client, session, laskar, client):
    staff, token = staff_client("librarian")
    # A CSV uploaded with the MARC format left selected: read as CSV, and said so.
    res = staff.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "marc", "file": (io.BytesIO(KAMIS_LIKE), "bukuindonesia.csv")})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and "2 diimpor" in page, page[-3000:]
    assert "berkasnya CSV: berkas dibaca sebagai CSV" in page
    # The progress line ends saying it finished, not "Mengimpor ..." forever.
    assert 'pindaiProgress(2, 2, "done")' in page and 'data-done="Impor selesai:"' in page
    report = page.split('id="import-duplicates"')[1].split("</section>")[0]
    assert "Kemungkinan duplikat untuk digabungkan (1)" in page and "Ronggeng" not in report
    new_id = session.scalars(select(Book.id).where(Book.title == "Laskar Pelangi", Book.id != laskar.id)).one()
    compare = re.search(r'href="(/staff/books/merge\?[^"]+)"', report).group(1).replace("&amp;", "&")
    assert f"ids={new_id}" in compare and f"ids={laskar.id}" in compare

    # The new record's page says it is likely the old one; so does the duplicates page.
    book_page = staff.get(f"/staff/books/{new_id}").get_data(as_text=True)
    assert "Kemungkinan buku yang sama dengan:" in book_page and f"#{laskar.id}" in book_page
    listed = staff.get("/staff/duplicates").get_data(as_text=True)
    assert f'data-books="{laskar.id} {new_id}"' in listed  # the record with copies first: kept by default
    side_by_side = staff.get(compare).get_data(as_text=True)
    assert "Gabungkan 2 cantuman ini ke cantuman yang dipertahankan" in side_by_side
    assert re.search(rf'name="keep" value="{laskar.id}" checked', side_by_side)

    old_code = make_code(session, session.get(Book, new_id))
    session.commit()
    merged = staff.post("/staff/books/merge", data={"csrf_token": token, "ids": [laskar.id, new_id],
                                                    "keep": str(laskar.id)})
    assert merged.status_code == 303
    kept_page = staff.get(merged.headers["Location"]).get_data(as_text=True)
    assert "1 cantuman digabungkan ke cantuman ini." in kept_page and "Kemungkinan buku yang sama" not in kept_page
    assert staff.get(f"/staff/books/{new_id}").status_code == 301
    assert "Tidak ada kemungkinan duplikat di katalog." in staff.get("/staff/duplicates").get_data(as_text=True)
    # The old record's printed QR opens the kept record's page on a phone.
    phone = client.get(f"/q/{old_code}").get_data(as_text=True)
    assert "Laskar Pelangi" in phone
    session.rollback()
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "book.merge")).all()
    assert entry.target_id == laskar.id and entry.detail["merged"] == [new_id]
    # Merged already: the comparison says so, in Indonesian, and nothing breaks.
    gone = staff.get(compare)
    assert gone.status_code == 404 and "mungkin sudah digabungkan" in gone.get_data(as_text=True)


def test_merge_needs_a_kept_record_and_the_catalogue_role(staff_client, session, laskar):
    twin = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], year=2005)
    session.commit()
    staff, token = staff_client("librarian")
    no_keep = staff.post("/staff/books/merge", data={"csrf_token": token, "ids": [laskar.id, twin.id]})
    assert no_keep.status_code == 400 and "Pilih cantuman yang dipertahankan." in no_keep.get_data(as_text=True)
    bad = staff.post("/staff/books/merge", data={"csrf_token": token, "ids": ["1;DROP"], "keep": "1"})
    assert bad.status_code == 400
    editor, editor_token = staff_client("editor")
    assert editor.get("/staff/duplicates").status_code == 200
    refused = editor.post("/staff/books/merge", data={"csrf_token": editor_token, "ids": [laskar.id, twin.id],
                                                      "keep": str(laskar.id)})
    assert refused.status_code == 403
    session.rollback()
    assert session.get(Book, twin.id) is not None
