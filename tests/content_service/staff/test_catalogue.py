"""Catalogue work in the portal: search and filters, record edits, copies,
codes, label sheets and imports from the browser."""
from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from sqlalchemy import select

from content_service.catalogue.models import Book, Item
from content_service.codes.models import Code
from content_service.staff.catalogue import find_books
from content_service.staff.models import AuditEntry
from tests.conftest import shared_path
from tests.factories import make_asset, make_book, make_code, make_item


@pytest.fixture
def librarian(staff_client):
    return staff_client("librarian")


def test_find_books_by_title_author_isbn_barcode_and_filters(session):
    laskar = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], isbn13="9789793062792",
                       audience="teens", language="id")
    kancil = make_book(session, title="Si Kancil", authors=["Anonim"], audience="children", language="id")
    make_book(session, title="100%_Fun", authors=["Ann"], language="en")
    item = make_item(session, kancil, barcode="BTM000123")
    make_asset(session, kancil)
    session.commit()
    titles = lambda **kw: [b.title for b in find_books(session, **kw)[0]]  # noqa: E731
    assert titles(q="pelangi") == ["Laskar Pelangi"]
    assert titles(q="hirata") == ["Laskar Pelangi"]
    assert titles(q="978-979-306") == ["Laskar Pelangi"]
    assert titles(q=item.barcode) == ["Si Kancil"]
    assert titles(q="%") == ["100%_Fun"]  # LIKE wildcards are searched as text
    assert titles(audience="children") == ["Si Kancil"]
    assert titles(language="en") == ["100%_Fun"]
    assert titles(extras="yes") == ["Si Kancil"] and "Si Kancil" not in titles(extras="no")
    assert find_books(session, q="pelangi")[1] == 1
    assert laskar.id


def test_books_page_lists_and_pages(librarian, session):
    for n in range(30):
        make_book(session, title=f"Buku {n:02d}")
    session.commit()
    client, _ = librarian
    first = client.get("/staff/books").get_data(as_text=True)
    assert "Buku 00" in first and "Buku 25" not in first and "1 / 2" in first
    assert "Buku 25" in client.get("/staff/books?page=2").get_data(as_text=True)
    assert "Buku 07" in client.get("/staff/books?q=07").get_data(as_text=True)


def test_edit_record_and_copies(librarian, session, client):
    book = make_book(session, title="Bumi Manusia")
    item = make_item(session, book, barcode="B1")
    make_item(session, book, barcode="B2")
    session.commit()
    staff, token = librarian
    res = staff.post(f"/staff/books/{book.id}/edit", data={
        "csrf_token": token, "title": "Bumi Manusia", "subtitle": "Tetralogi Buru 1", "authors": "Pramoedya Ananta Toer",
        "subjects": "Sejarah\nNovel", "year": "1980", "language": "id", "audience": "adults", "call_number": "899.221 TOE b"})
    assert res.status_code == 303
    assert staff.post(f"/staff/books/{book.id}/edit", data={"csrf_token": token, "title": "", "year": "80"}).status_code == 400
    res = staff.post(f"/staff/items/{item.id}", data={"csrf_token": token, "barcode": "B1", "location": "Lantai 2 · Rak B3",
                                                      "status": "missing"})
    assert res.status_code == 303
    dup = staff.post(f"/staff/items/{item.id}", data={"csrf_token": token, "barcode": "B2", "status": "available"})
    assert dup.status_code == 409 and "sudah dipakai" in dup.get_data(as_text=True)
    assert staff.post(f"/staff/books/{book.id}/items", data={"csrf_token": token, "barcode": "B3",
                                                            "status": "available"}).status_code == 303
    assert staff.post(f"/staff/books/{book.id}/items", data={"csrf_token": token, "barcode": "B3"}).status_code == 409
    assert staff.post(f"/staff/books/{book.id}/items", data={"csrf_token": token, "barcode": "B4",
                                                            "status": "lost"}).status_code == 400
    session.rollback()
    session.expire_all()  # the test session saw these rows before the requests changed them
    book = session.get(Book, book.id)
    assert (book.subtitle, book.authors, book.subjects, book.year) == ("Tetralogi Buru 1", ["Pramoedya Ananta Toer"],
                                                                       ["Sejarah", "Novel"], 1980)
    assert [(i.barcode, i.status) for i in session.scalars(select(Item).order_by(Item.id))] == [
        ("B1", "missing"), ("B2", "available"), ("B3", "available")]
    detail = client.get(f"/api/v1/books/{book.id}").get_json()
    assert detail["availability"]["total"] == 2  # the missing copy no longer counts
    audit = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.action.not_like("login.%")))]
    assert audit == ["book.update", "item.update", "item.create"]
    history = staff.get(f"/staff/books/{book.id}").get_data(as_text=True)
    history = history[history.index('id="history"'):]
    assert history.index("item.create") < history.index("item.update") < history.index("book.update")  # newest first


def test_add_a_book_by_hand(librarian, session, client):
    staff, token = librarian
    form = {"csrf_token": token, "title": "Ayat-Ayat Cinta", "authors": "Habiburrahman El Shirazy", "isbn": "979-3604-02-6",
            "year": "2004", "audience": "adults"}
    res = staff.post("/staff/books/new", data=form)
    assert res.status_code == 303
    book_id = int(res.headers["Location"].rsplit("/", 1)[1])
    detail = client.get(f"/api/v1/books/{book_id}").get_json()
    assert (detail["title"], detail["authors"], detail["isbns"]) == ("Ayat-Ayat Cinta", ["Habiburrahman El Shirazy"],
                                                                      ["9789793604022"])
    again = staff.post("/staff/books/new", data=form)
    assert again.status_code == 409 and "sudah ada" in again.get_data(as_text=True)
    assert staff.post("/staff/books/new", data={**form, "isbn": "9789793604021"}).status_code == 422
    assert staff.post("/staff/books/new", data={**form, "isbn": "", "title": ""}).status_code == 400


def test_mint_and_retire_codes(librarian, session, client):
    book = make_book(session, title="Sang Pemimpi")
    item = make_item(session, book)
    old = make_code(session, item)
    session.commit()
    staff, token = librarian
    assert client.get(f"/q/{old}").status_code == 200
    assert staff.post(f"/staff/codes/{old}/retire", data={"csrf_token": token}).status_code == 303
    assert client.get(f"/q/{old}").status_code == 410
    assert staff.post("/staff/codes/mint", data={"csrf_token": token, "target_type": "book",
                                                 "target_id": book.id}).status_code == 303
    assert staff.post("/staff/codes/mint", data={"csrf_token": token, "target_type": "patron",
                                                 "target_id": 1}).status_code == 404
    session.rollback()
    new = session.scalars(select(Code).where(Code.target_type == "book")).one()
    assert client.get(f"/q/{new.code}").status_code == 200
    page = staff.get(f"/staff/books/{book.id}").get_data(as_text=True)
    assert old in page and new.code in page
    assert '<code class="item-code">—</code>' in page  # the copy's only code was retired


def test_label_sheet_for_selected_books_and_copies(librarian, session):
    first = make_book(session, title="Negeri 5 Menara", copies=2)
    second = make_book(session, title="Ronggeng Dukuh Paruk", copies=1)
    gone = make_item(session, second, status="withdrawn")
    session.commit()
    staff, token = librarian
    res = staff.post("/staff/labels", data={"csrf_token": token, "book": [first.id], "item": [second.items[0].id, gone.id],
                                            "layout": "L7160", "start": "20"})
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    assert len(pypdfium2.PdfDocument(res.data)) == 2  # labels 20, 21, then one on a new sheet
    session.rollback()
    coded = {c.target_id for c in session.scalars(select(Code).where(Code.target_type == "item"))}
    assert coded == {first.items[0].id, first.items[1].id, second.items[0].id}
    minted = session.scalars(select(Code.code).where(Code.target_type == "item", Code.target_id == first.items[0].id)).one()
    assert f'<code class="item-code">{minted}</code>' in staff.get(f"/staff/books/{first.id}").get_data(as_text=True)
    assert staff.post("/staff/labels", data={"csrf_token": token}).status_code == 400
    # Every copy without a code yet: only the one still unlabelled (withdrawn copies never).
    fresh = make_item(session, second)
    session.commit()
    res = staff.post("/staff/labels", data={"csrf_token": token, "unlabelled": "1"})
    assert res.status_code == 200 and len(pypdfium2.PdfDocument(res.data)) == 1
    session.rollback()
    assert session.scalars(select(Code.target_id).where(Code.target_type == "item")).all().count(fresh.id) == 1
    assert staff.post("/staff/labels", data={"csrf_token": token, "book": [first.id], "start": "99"}).status_code == 400


def test_csv_import_from_the_browser_shows_the_report(librarian, session):
    staff, token = librarian
    data = ("judul,pengarang,isbn,tahun terbit\n"
            "Laskar Pelangi,Andrea Hirata,9789793062792,2005\n"
            ",Tanpa Judul,,2001\n").encode()
    res = staff.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "csv", "file": (io.BytesIO(data), "../../ekspor slims.csv")})
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    assert "1 diimpor" in page and "1 gagal" in page and 'class="outcome failed"' in page
    report = page.split('id="import-report"')[1]  # no English in the Indonesian report
    assert "records:" not in report and ">imported<" not in report and ">failed<" not in report
    assert page.index("Perlu diperiksa") < page.index("Semua cantuman")
    # The answer streamed: the page head, progress to the end, the report, the page's end.
    assert page.index('id="import-progress"') < page.index("pindaiProgress(2, 2, \"done\")") < page.index("import-report")
    assert page.rstrip().endswith("</html>")
    # Those progress scripts run under the portal's CSP: they carry this page's nonce.
    nonce = re.search(r"'nonce-([^']+)'", res.headers["Content-Security-Policy"]).group(1)
    assert page.count(f'<script nonce="{nonce}">') == page.count("<script") - 1  # all but staff.js (a file)
    assert session.scalars(select(Book.title)).all() == ["Laskar Pelangi"]
    bad = staff.post("/staff/imports", content_type="multipart/form-data", data={"csrf_token": token, "kind": "xls",
                                                                                 "file": (io.BytesIO(data), "a.csv")})
    assert bad.status_code == 400
    unreadable = staff.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "csv", "file": (io.BytesIO(b"warna;rasa\nmerah;manis\n"), "x.csv")})
    body = unreadable.get_data(as_text=True)
    assert 'role="alert"' in body and "tidak dapat diimpor" in body and body.rstrip().endswith("</html>")
    # Columns named otherwise are mapped by hand, as with --map on the command line.
    mapped = staff.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "csv", "map": "warna=title\nrasa=ignore",
        "file": (io.BytesIO(b"warna;rasa\nmerah;manis\n"), "x.csv")})
    assert "1 diimpor" in mapped.get_data(as_text=True)
    bad_map = staff.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "csv", "map": "warna=colour", "file": (io.BytesIO(b"warna\nmerah\n"), "x.csv")})
    assert bad_map.status_code == 400 and "KOLOM=FIELD" in bad_map.get_data(as_text=True)
    session.rollback()
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "catalogue.import")).all()
    assert [(e.username, e.detail["kind"]) for e in audit] == [("librarian-user", "csv"), ("librarian-user", "csv")]
    assert "merah" in session.scalars(select(Book.title)).all()


@pytest.mark.shared_data
def test_marc_import_from_the_browser(librarian, session):
    path = shared_path("marc", "utf8", "marc4j__summerland.mrc")
    staff, token = librarian
    res = staff.post("/staff/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "marc", "file": (io.BytesIO(path.read_bytes()), path.name)})
    assert res.status_code == 200 and "1 diimpor" in res.get_data(as_text=True)
    assert session.scalars(select(Book.title)).all() == ["Summerland"]


def test_a_copy_added_at_the_desk_has_its_qr_code_at_once(librarian, session, client):
    book = make_book(session, title="Cantik Itu Luka")
    session.commit()
    staff, token = librarian
    res = staff.post(f"/staff/books/{book.id}/items", data={"csrf_token": token, "barcode": "BTM-9001",
                                                             "status": "available"})
    assert res.status_code == 303
    item = session.scalars(select(Item).where(Item.barcode == "BTM-9001")).one()
    code = session.scalars(select(Code.code).where(Code.target_type == "item", Code.target_id == item.id)).one()
    # The book page shows the copy's code before any label sheet was printed.
    assert f'<code class="item-code">{code}</code>' in staff.get(f"/staff/books/{book.id}").get_data(as_text=True)
    assert client.get(f"/q/{code}").status_code == 200
