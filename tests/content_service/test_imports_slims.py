"""SLiMS's own CSV export (``export.php``) through ``flask import-csv``:
recognised by its shape with or without a header, ``<a><b>`` cells split
into authors, subjects and copies, unescaped quotes kept."""
from __future__ import annotations

from sqlalchemy import select

from content_service.imports import cleaning, import_file
from content_service.catalogue.models import Book, Isbn, Item

# As SLiMS 9 writes it: every cell enclosed, no header, notes' line breaks
# turned into "rn", a quote inside a title left undoubled.
HEADERLESS = (
    '"Laskar pelangi","Text","Cet. 1","978-979-3062-79-2","Bentang Pustaka","2005","xiv, 529 hlm. ; 20 cm.","",'
    '"899.221 HIR l","Indonesia","Yogyakarta","899.221","Novel tentang sepuluh anak Belitung.rnDiangkat ke layar lebar.",'
    '"laskar.jpg","Andrea Hirata","<Hirata, Andrea>","<Fiksi Indonesia><Pendidikan>","<P0001><P0002>"\n'
    '"Bumi manusia : roman","Text","","9789799731234","Hasta Mitra","1980","","Tetralogi Buru","899.221 TOE b",'
    '"Indonesia","Jakarta","","","","","<Toer, Pramoedya Ananta>","<Sejarah><Fiksi Indonesia>","<P0004>"\n'
    '"Kumpulan "Cerita Rakyat" Nusantara","Text","","","","2010","","","398.2 KUM","Indonesia","","","","","",'
    '"<Sutrisno, Budi><Wahyuni, Sri>","","<P0011>"\n'
)
HEADER = ('"title","gmd_name","edition","isbn_issn","publisher_name","publish_year","collation","series_title",'
          '"call_number","language_name","place_name","classification","notes","image","sor","authors","topics",'
          '"item_code",\n')


def _import(runner, tmp_path, text: str):
    path = tmp_path / "senayan_biblio_export.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import-csv", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_headerless_slims_export_is_read_by_its_shape(runner, session, tmp_path):
    output = _import(runner, tmp_path, HEADERLESS)
    assert "3 records: 3 imported" in output and "0 failed" in output
    laskar = session.scalars(select(Book).join(Isbn).where(Isbn.isbn13 == "9789793062792")).one()
    assert laskar.authors == ["Hirata, Andrea"]  # not ['<Hirata', 'Andrea>']
    assert laskar.subjects == ["Fiksi Indonesia", "Pendidikan"]
    assert (laskar.title, laskar.publisher, laskar.year, laskar.language, laskar.call_number) == (
        "Laskar pelangi", "Bentang Pustaka", 2005, "id", "899.221 HIR l")
    assert laskar.summary == "Novel tentang sepuluh anak Belitung. Diangkat ke layar lebar."
    assert sorted(i.barcode for i in laskar.items) == ["P0001", "P0002"]
    bumi = session.scalars(select(Book).where(Book.title == "Bumi manusia")).one()
    assert (bumi.subtitle, bumi.authors, [i.barcode for i in bumi.items]) == (
        "roman", ["Toer, Pramoedya Ananta"], ["P0004"])
    tales = session.scalars(select(Book).where(Book.call_number == "398.2 KUM")).one()
    assert tales.title == 'Kumpulan "Cerita Rakyat" Nusantara'
    assert tales.authors == ["Sutrisno, Budi", "Wahyuni, Sri"]
    # A second import of the same export changes nothing.
    assert "3 unchanged" in _import(runner, tmp_path, HEADERLESS)


def test_a_slims_export_with_its_header_row(runner, session, tmp_path):
    output = _import(runner, tmp_path, HEADER + HEADERLESS)
    assert "3 records: 3 imported" in output
    assert session.scalars(select(Book.authors).where(Book.title == "Laskar pelangi")).one() == ["Hirata, Andrea"]
    assert session.scalar(select(Item.barcode).where(Item.barcode == "P0011")) == "P0011"


def test_angle_bracket_cells_split_in_any_csv(session, tmp_path):
    assert cleaning.split_names("<Hirata, Andrea><Toer, Pramoedya Ananta>") == ["Hirata, Andrea", "Toer, Pramoedya Ananta"]
    path = tmp_path / "olahan.csv"
    path.write_text("judul,pengarang,subjek,kode eksemplar\nHujan,<Tere Liye>,<Novel remaja><Fiksi>,<P0007><P0012>\n",
                    encoding="utf-8")
    import_file(session, path, "csv")
    book = session.scalars(select(Book)).one()
    assert (book.authors, book.subjects, sorted(i.barcode for i in book.items)) == (
        ["Tere Liye"], ["Novel remaja", "Fiksi"], ["P0007", "P0012"])


def _export_like_slims(rows_of, header: bool) -> str:
    """What export.php writes for this database: its query, its ``<a><b>``
    lists, and escape_string + stripslashes (a line break becomes "rn")."""
    def flat(value) -> str:
        return "" if value is None else str(value).replace("\r", "r").replace("\n", "n")

    lines = [HEADER.rstrip("\n")] if header else []
    for b in rows_of(
        "SELECT b.biblio_id, b.title, gmd.gmd_name, b.edition, b.isbn_issn, publ.publisher_name, b.publish_year,"
        " b.collation, b.series_title, b.call_number, lang.language_name, pl.place_name, b.classification, b.notes,"
        " b.image, b.sor FROM biblio AS b LEFT JOIN mst_gmd AS gmd ON b.gmd_id = gmd.gmd_id"
        " LEFT JOIN mst_publisher AS publ ON b.publisher_id = publ.publisher_id"
        " LEFT JOIN mst_language AS lang ON b.language_id = lang.language_id"
        " LEFT JOIN mst_place AS pl ON b.publish_place_id = pl.place_id ORDER BY b.last_update DESC"):
        lists = [
            "".join(f"<{r['v']}>" for r in rows_of(sql, (b["biblio_id"],)) if r["v"])
            for sql in ("SELECT a.author_name AS v FROM biblio_author ba LEFT JOIN mst_author a ON ba.author_id = a.author_id WHERE ba.biblio_id = %s",
                        "SELECT t.topic AS v FROM biblio_topic bt LEFT JOIN mst_topic t ON bt.topic_id = t.topic_id WHERE bt.biblio_id = %s",
                        "SELECT item_code AS v FROM item WHERE biblio_id = %s")
        ]
        cells = [flat(v) for k, v in b.items() if k != "biblio_id"] + lists
        lines.append(",".join(f'"{c}"' for c in cells))
    return "\n".join(lines) + "\n"


def test_an_export_of_a_real_slims_database(runner, session, tmp_path, slims_sql):
    text = _export_like_slims(slims_sql, header=False)
    assert "rnThis book" in text  # the sample data's notes, broken as SLiMS breaks them
    output = _import(runner, tmp_path, text)
    assert "22 records: 22 imported" in output and "0 failed" in output
    linux = session.scalars(select(Book).join(Isbn).where(Isbn.isbn13 == "9780596009304")).one()
    assert linux.authors == ["Siever, Ellen", "Love, Robert", "Robbins, Arnold", "Figgins, Stephen", "Weber, Aaron"]
    assert linux.subjects == ["Operating System", "Linux", "Computer"]
    assert sorted(i.barcode for i in linux.items) == ["B00009", "B00010"]
    web = session.scalars(select(Book).join(Isbn).where(Isbn.isbn13 == "9780471486565")).one()
    assert "rnThis" not in web.summary and "development. This book" in web.summary
    laskar = session.scalars(select(Book).where(Book.title == "Laskar pelangi")).one()
    assert laskar.authors == ["Hirata, Andrea"] and sorted(i.barcode for i in laskar.items) == ["P0001", "P0002"]
