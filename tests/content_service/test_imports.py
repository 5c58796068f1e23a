"""Catalogue imports on the real shared files: MARC (valid and broken) and
the CSV catalogues, through the CLI commands librarians run."""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from content_service.imports import import_file
from content_service.catalogue.models import Book, Isbn, Item
from tests.conftest import shared_path

CLEAN_MARC_DIRS = ("utf8", "marc8")


def _manifest():
    with open(shared_path("marc", "manifest.csv"), newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def test_clean_marc_files_import_every_record(session):
    """Every record pymarc parses in the clean folders is imported, none fail."""
    manifest = _manifest()
    root = shared_path("marc")
    for folder in CLEAN_MARC_DIRS:
        for path in sorted((root / folder).iterdir()):
            expected = int(manifest[f"{folder}/{path.name}"]["records_parsed"])
            report = import_file(session, path, "marc")
            assert report.count("failed") == 0, (path.name, [o.reason for o in report.failed])
            assert len(report.outcomes) == expected, path.name


def test_marc_titles_authors_isbns_and_punctuation(session):
    report = import_file(session, shared_path("marc", "utf8", "marc4j__summerland.mrc"), "marc")
    assert report.count("imported") == 1
    book = session.scalars(select(Book)).one()
    assert book.title == "Summerland"  # "Summerland /" in 245 $a
    assert book.authors == ["Chabon, Michael"]
    assert book.isbn13 == "9780786808779"
    assert book.language == "en"
    assert book.year == 2002


def test_marc8_record_is_decoded(session):
    import_file(session, shared_path("marc", "marc8", "pymarc__marc8.dat"), "marc")
    book = session.scalars(select(Book)).one()
    assert book.title == "Escape from loneliness"
    assert "é" in " ".join(book.authors + [book.publisher or ""] + [book.summary or ""]) or book.authors


def test_utf8_record_flagged_as_marc8_is_read_as_utf8(session):
    report = import_file(session, shared_path("marc", "edge-cases", "pymarc__utf8_without_leader_flag.dat"), "marc")
    assert report.count("imported") == 1
    assert any("read as UTF-8" in n for n in report.outcomes[0].notes)
    twin = import_file(session, shared_path("marc", "edge-cases", "pymarc__utf8_with_leader_flag.dat"), "marc")
    # Same record, correctly flagged: it matches the first and changes nothing.
    assert twin.count("unchanged") == 1


def test_rerun_is_idempotent(session):
    path = shared_path("marc", "utf8", "marc4j__pride-and-prejudice-fixed.mrc")
    first = import_file(session, path, "marc")
    books = session.scalar(select(func.count()).select_from(Book))
    second = import_file(session, path, "marc")
    assert first.count("imported") + first.count("skipped") == 383 - first.count("failed")
    assert second.count("imported") == 0 and second.count("updated") == 0
    assert session.scalar(select(func.count()).select_from(Book)) == books


def test_damaged_bulk_file_reports_each_broken_record(session):
    """383 records with injected damage: 367 readable (invalid UTF-8 repaired
    and noted), 16 with a damaged directory reported with their position."""
    report = import_file(session, shared_path("marc", "broken", "marc4j__pride-and-prejudice-with-many-errors.mrc"), "marc")
    assert len(report.outcomes) == 383
    assert report.count("failed") == 16
    assert all(o.reason == "the record directory is damaged" for o in report.failed)
    assert all(o.position.startswith("record ") and "byte" in o.position for o in report.failed)
    repaired = [o for o in report.outcomes if any("invalid UTF-8" in n for n in o.notes)]
    assert len(repaired) == 69


def test_bad_records_file_keeps_reading_after_fatal_errors(session):
    report = import_file(session, shared_path("marc", "broken", "pymarc__bad_records.mrc"), "marc")
    reasons = [o.reason for o in report.failed]
    assert report.count("imported") == 1  # the good first record...
    assert [o.notes for o in report.outcomes if o.status == "skipped"] == [["duplicate of record 1 (byte 0) in this file"]]
    assert "the leader's base address points outside the record" in reasons
    assert "the record directory is damaged" in reasons
    assert "the directory holds non-ASCII bytes" in reasons


def test_truncated_file_imports_what_precedes_the_cut(session):
    report = import_file(session, shared_path("marc", "broken", "marc4j__008008027.mrc"), "marc")
    assert report.count("imported") == 18
    assert [o.reason for o in report.failed] == ["record is truncated: leader says 3475 bytes, only 3035 present"]


def test_dos_eof_byte_does_not_stop_the_file(session):
    # pymarc's reader stops after record 1 here; splitting on the record terminator does not.
    report = import_file(session, shared_path("marc", "edge-cases", "marc-perl__cameleof.usmarc"), "marc")
    assert report.count("imported") == 10


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("marc4j__chabon-missing-subfield-code.xml", "a subfield of field 020 has no code"),
        ("marc4j__chabon-missing-controlfield-tag.xml", "a controlfield has no tag attribute"),
        ("ruby-marc__no-leading-zero.xml", "a datafield has a missing or bad tag ('42')"),
        ("marc-perl__empty-record.xml", "the record has no fields"),
    ],
)
def test_broken_marcxml_is_reported(session, name, reason):
    report = import_file(session, shared_path("marc", "broken-xml", name), "marc")
    assert reason in [o.reason for o in report.failed]


def test_malformed_xml_keeps_records_before_the_error(session):
    report = import_file(session, shared_path("marc", "broken-xml", "ruby-marc__three-records-second-bad.xml"), "marc")
    assert report.count("imported") == 1
    assert "not well-formed at line 72" in report.failed[0].reason


def test_marcxml_holdings_records_are_skipped_with_reason(session):
    report = import_file(session, shared_path("marc", "marcxml", "marc4j__sample1a.xml"), "marc")
    assert report.count("imported") == 4 and report.count("skipped") == 5
    assert all("holdings record" in o.reason for o in report.outcomes if o.status == "skipped")


KOHA_RECORD = """<?xml version="1.0" encoding="UTF-8"?>
<collection xmlns="http://www.loc.gov/MARC21/slim"><record>
<leader>00000nam a2200000 a 4500</leader>
<controlfield tag="001">BTM0001</controlfield>
<controlfield tag="003">ID-BtmKot</controlfield>
<controlfield tag="008">050101s2005    io a   j      000 1 ind d</controlfield>
<datafield tag="020" ind1=" " ind2=" "><subfield code="a">9789793062792 (pbk.)</subfield></datafield>
<datafield tag="082" ind1="0" ind2="4"><subfield code="a">899.2213</subfield></datafield>
<datafield tag="100" ind1="1" ind2=" "><subfield code="a">Hirata, Andrea,</subfield></datafield>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Laskar pelangi /</subfield><subfield code="c">Andrea Hirata.</subfield></datafield>
<datafield tag="264" ind1=" " ind2="1"><subfield code="a">Yogyakarta :</subfield><subfield code="b">Bentang Pustaka,</subfield><subfield code="c">2005.</subfield></datafield>
<datafield tag="650" ind1=" " ind2="4"><subfield code="a">Fiksi Indonesia.</subfield></datafield>
<datafield tag="952" ind1=" " ind2=" "><subfield code="a">PUSAT</subfield><subfield code="c">Fiksi Indonesia</subfield><subfield code="o">899.221 3 HIR l</subfield><subfield code="p">BTM-000101</subfield></datafield>
<datafield tag="952" ind1=" " ind2=" "><subfield code="a">PUSAT</subfield><subfield code="c">Referensi</subfield><subfield code="p">BTM-000102</subfield><subfield code="7">1</subfield></datafield>
</record></collection>
"""


def test_koha_items_become_copies_and_rerun_adds_nothing(session, tmp_path):
    path = tmp_path / "koha.xml"
    path.write_text(KOHA_RECORD, encoding="utf-8")
    report = import_file(session, path, "marc")
    assert report.count("imported") == 1
    book = session.scalars(select(Book)).one()
    assert (book.title, book.authors, book.publisher, book.year) == ("Laskar pelangi", ["Hirata, Andrea"], "Bentang Pustaka", 2005)
    assert (book.language, book.audience, book.control_number) == ("id", "children", "ID-BtmKot:BTM0001")
    assert book.subjects == ["Fiksi Indonesia"]
    items = {i.barcode: i for i in session.scalars(select(Item))}
    assert items["BTM-000101"].status == "available" and items["BTM-000101"].call_number == "899.221 3 HIR l"
    assert items["BTM-000101"].location == "PUSAT · Fiksi Indonesia"
    assert items["BTM-000102"].status == "reference"
    assert import_file(session, path, "marc").count("unchanged") == 1
    assert session.scalar(select(func.count()).select_from(Item)) == 2


def test_unimarc_records_are_read(session):
    report = import_file(session, shared_path("marc", "utf8", "marc4j__pride-and-prejudice-fixed.mrc"), "marc")
    unimarc = [o for o in report.outcomes if any("UNIMARC" in n for n in o.notes)]
    assert unimarc and all(o.status in ("imported", "skipped") for o in unimarc)
    assert session.scalar(select(Book).where(Book.title == "傲慢與偏見")) is not None


def test_goodbooks_csv_with_repairs(session):
    # Its speed (10,000 rows in under a minute) is measured in benchmarks/bench_import.py.
    path = shared_path("catalog", "goodbooks-10k", "books.csv")
    report = import_file(session, path, "csv")
    assert report.count("imported") == 10000 and report.count("failed") == 0
    # The Hunger Games: ISBN-10 "439023483" lost its leading zero, ISBN-13 is a float.
    book = session.scalars(select(Book).join(Isbn).where(Isbn.isbn13 == "9780439023481")).one()
    assert book.title.startswith("The Hunger Games")
    assert book.authors == ["Suzanne Collins"] and book.year == 2008 and book.language == "en"
    notes = report.outcomes[0].notes
    assert any("leading zeros restored" in n for n in notes)
    assert any("9780439023481" in n and "rebuilt" in n for n in notes)
    bad_checksums = [o for o in report.outcomes if any("wrong check digit" in n for n in o.notes)]
    assert bad_checksums  # reported, and the book is still imported
    again = import_file(session, path, "csv")
    assert again.count("unchanged") == 10000


def test_gramedia_duplicates_are_skipped_and_named(session):
    report = import_file(session, shared_path("catalog", "gramedia-bestsellers-id", "gramedia_books.csv"), "csv")
    skipped = [o for o in report.outcomes if o.status == "skipped"]
    assert skipped and all(any("duplicate of row" in n for n in o.notes) for o in skipped)
    assert report.count("failed") == 0
    book = session.scalars(select(Book).join(Isbn).where(Isbn.isbn13 == "9786231646088")).one()
    assert book.language == "id" and book.year == 2024 and book.subjects == ["agama"]


def test_slims_export_repairs_double_encoded_text(session):
    report = import_file(session, shared_path("catalog", "slims-sample", "biblio_flat.csv"), "csv")
    assert report.count("imported") == 15
    linux = session.scalars(select(Book).join(Isbn).where(Isbn.isbn13 == "9780596009304")).one()
    assert linux.authors[:2] == ["Siever, Ellen", "Figgins, Stephen"]
    assert linux.call_number.startswith("005.4")


def test_indonesian_headers_and_mapping(session, tmp_path):
    path = tmp_path / "ekspor.csv"
    path.write_text(
        "Judul;Pengarang;ISBN;Tahun Terbit;Penerbit;Bahasa;Sinopsis;Kolom Aneh\n"
        "Laskar Pelangi /;Andrea Hirata;978-979-3062-79-2;2005;Bentang Pustaka;Indonesia;Sebelas anak Belitong.;Lantai 2\n"
        ";Tanpa Judul;;;;;;\n"
        "Sang Pemimpi;Andrea Hirata;9789793062793;2006;Bentang;ind;;Lantai 2\n",
        encoding="utf-8",
    )
    report = import_file(session, path, "csv", mapping={"Kolom Aneh": "location"})
    assert [o.status for o in report.outcomes] == ["imported", "failed", "imported"]
    assert report.outcomes[1].reason == "no title" and report.outcomes[1].position.startswith("row 2")
    assert any("wrong check digit" in n for n in report.outcomes[2].notes)
    laskar = session.scalars(select(Book).join(Isbn).where(Isbn.isbn13 == "9789793062792")).one()
    assert (laskar.title, laskar.language, laskar.year, laskar.summary) == (
        "Laskar Pelangi", "id", 2005, "Sebelas anak Belitong."
    )


def test_record_that_fails_in_a_batch_fails_alone(session, tmp_path):
    path = tmp_path / "long.csv"
    rows = ["title,isbn"] + [f"Buku {i}," for i in range(5)] + ["x" * 600 + ","] + [f"Buku {i}," for i in range(5, 10)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_file(session, path, "csv")
    assert report.count("imported") == 10
    assert [o.position.split(" (")[0] for o in report.failed] == ["row 6"]
    assert "at most 500 fit" in report.failed[0].reason


def test_cli_import_marc_prints_summary_and_failures(runner, tmp_path):
    report_file = tmp_path / "report.csv"
    result = runner.invoke(
        args=["import-marc", str(shared_path("marc", "broken", "pymarc__bad_records.mrc")), "--report", str(report_file)]
    )
    assert result.exit_code == 0, result.output
    assert "1 imported" in result.output and "failed: record 2" in result.output
    with open(report_file, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["status"] for r in rows].count("imported") == 1
    assert [r["status"] for r in rows].count("failed") == 6  # five damaged records and the trailing bytes


def test_cli_import_csv_refuses_a_file_without_titles(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = runner.invoke(args=["import-csv", str(path)])
    assert result.exit_code != 0 and "no title column" in result.output
    bad_map = runner.invoke(args=["import-csv", str(path), "--map", "foo=nonsense"])
    assert bad_map.exit_code != 0 and "unknown field" in bad_map.output
    ok = runner.invoke(args=["import-csv", str(path), "--map", "foo=title"])
    assert ok.exit_code == 0 and "1 imported" in ok.output


def test_a_csv_imported_again_under_another_name_matches_the_same_books(session, tmp_path):
    rows = "id,judul,pengarang\nBTM1,Laskar Pelangi,Andrea Hirata\nBTM2,Bumi Manusia,Pramoedya Ananta Toer\n"
    first, renamed = tmp_path / "katalog-januari.csv", tmp_path / "katalog-februari (salinan).csv"
    first.write_text(rows, encoding="utf-8")
    renamed.write_text(rows.replace("Bumi Manusia", "Bumi Manusia (cetak ulang)"), encoding="utf-8")
    assert import_file(session, first, "csv").count("imported") == 2
    session.commit()
    again = import_file(session, renamed, "csv")
    assert (again.count("imported"), again.count("unchanged"), again.count("updated")) == (0, 1, 1)
    session.commit()
    assert sorted(session.scalars(select(Book.title))) == ["Bumi Manusia (cetak ulang)", "Laskar Pelangi"]
    other = tmp_path / "dari-inlislite.csv"
    other.write_text(rows, encoding="utf-8")
    assert import_file(session, other, "csv", source="inlislite").count("imported") == 2  # another system's ids
