"""``flask import online-links FILE.csv`` (isbn,url,provider[,title]) on SQLite
and PostgreSQL: titles matched by ISBN whichever way it is written (ISBN-10,
ISBN-13, hyphens, an ISBN: prefix), unmatched and invalid rows reported with
their line and reason, a re-import adds nothing (idempotent) and a changed
provider updates; Indonesian headers and semicolons as spreadsheets write
them; a file without the columns is refused clearly. The links then show on
the phone page and in the OPDS feed."""
from __future__ import annotations

from sqlalchemy import select

from content_service.catalogue.models import Asset
from tests.factories import make_book

CSV = """isbn,url,provider,title
979-3062-79-7,https://ipusnas.id/book/laskar,iPusnas,Laskar Pelangi di iPusnas
9789793062792,https://ipusnas.id/book/laskar,iPusnas,Laskar Pelangi di iPusnas
ISBN 978-602-03-3160-7,https://doaj.org/toc/1234,DOAJ,
0-306-40615-2,https://ipusnas.id/book/x,iPusnas,
9786020331607,http://tidak-aman.example/b,iPusnas,
9786020331607,https://10.0.0.5/katalog,Intranet,
9786020331607,https://e-journal.example/buku,,
9780140449130,https://ipusnas.id/book/y,iPusnas,
9780140449136,https://ipusnas.id/book/z,iPusnas,
"""


def books(session):
    laskar = make_book(session, title="Laskar Pelangi", isbn13="9789793062792")
    bumi = make_book(session, title="Bumi Manusia", isbn13="9786020331607")
    session.commit()
    return laskar.id, bumi.id


def online(session, book_id):
    return session.scalars(select(Asset).where(Asset.book_id == book_id, Asset.kind == "online")
                           .order_by(Asset.id)).all()


def test_links_are_matched_by_isbn_and_problems_reported(runner, session, tmp_path):
    laskar, bumi = books(session)
    path = tmp_path / "tautan.csv"
    path.write_text(CSV, encoding="utf-8")
    result = runner.invoke(args=["import", "online-links", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 updated, 1 unchanged, 2 unmatched, 4 invalid" in result.output
    # The ISBN-10 of Laskar Pelangi and its ISBN-13 are the same title: one link, not two.
    assert [(a.url, a.provider, a.published) for a in online(session, laskar)] == [
        ("https://ipusnas.id/book/laskar", "iPusnas", True)]
    assert [(a.url, a.title) for a in online(session, bumi)] == [("https://doaj.org/toc/1234", "DOAJ")]
    lines = result.output.splitlines()
    assert any("line 5: unmatched" in l and "9780306406157" in l for l in lines)  # its ISBN-10, normalised
    assert any("line 6: invalid" in l and "https://" in l for l in lines)
    assert any("line 7: invalid" in l for l in lines) and any("line 8: invalid" in l for l in lines)
    assert any("line 9: invalid" in l and "ISBN" in l for l in lines)  # a wrong check digit
    assert any("line 10: unmatched" in l and "9780140449136" in l for l in lines)


def test_a_reimport_adds_nothing_and_a_new_provider_updates(runner, session, tmp_path):
    laskar, _bumi = books(session)
    path = tmp_path / "a.csv"
    path.write_text("isbn,url,provider\n9789793062792,https://ipusnas.id/book/laskar,iPusnas\n", encoding="utf-8")
    assert "1 added" in runner.invoke(args=["import", "online-links", str(path)]).output
    again = runner.invoke(args=["import", "online-links", str(path)])
    assert "0 added, 0 updated, 1 unchanged" in again.output
    path.write_text("isbn,url,provider\n9789793062792,https://ipusnas.id/book/laskar,iPusnas Perpusnas\n",
                    encoding="utf-8")
    assert "0 added, 1 updated" in runner.invoke(args=["import", "online-links", str(path)]).output
    session.expire_all()
    assert [(a.provider, a.title) for a in online(session, laskar)] == [("iPusnas Perpusnas", "iPusnas Perpusnas")]


def test_indonesian_headers_semicolons_and_unpublished(runner, session, tmp_path):
    laskar, _bumi = books(session)
    path = tmp_path / "b.csv"
    path.write_text("\ufeffISBN;Tautan;Penyedia;Judul\n978-979-3062-79-2;https://ipusnas.id/l;iPusnas;Baca di iPusnas\n",
                    encoding="utf-8")
    result = runner.invoke(args=["import", "online-links", "--unpublished", str(path)])
    assert "1 added" in result.output, result.output
    (asset,) = online(session, laskar)
    assert (asset.title, asset.published) == ("Baca di iPusnas", False)


def test_a_file_without_the_columns_is_refused_clearly(runner, session, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("judul,pengarang\nLaskar Pelangi,Andrea Hirata\n", encoding="utf-8")
    result = runner.invoke(args=["import", "online-links", str(path)])
    assert result.exit_code != 0
    assert "isbn" in result.output and "provider" in result.output and "Traceback" not in result.output


def test_imported_links_show_on_the_phone_page_and_in_opds(runner, client, session, tmp_path):
    laskar, _bumi = books(session)
    path = tmp_path / "d.csv"
    path.write_text("isbn,url,provider\n9789793062792,https://ipusnas.id/book/laskar,iPusnas\n", encoding="utf-8")
    runner.invoke(args=["import", "online-links", str(path)])
    page = client.get(f"/books/{laskar}", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert 'href="https://ipusnas.id/book/laskar"' in page and "Juga di iPusnas" in page
    assert b"https://ipusnas.id/book/laskar" in client.get("/opds/new").data
