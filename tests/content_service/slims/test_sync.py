"""``flask slims sync`` against a real SLiMS 9 database: what arrives, that a
second run changes nothing, that QR codes stay attached and that what SLiMS
deletes is retired."""
from __future__ import annotations

from sqlalchemy import func, select

from content_service.circulation.models import Patron
from content_service.catalogue.models import Book, Item
from content_service.codes.models import Code
from content_service.slims import mapping
from tests.factories import make_book, make_code, make_item


def _sync(runner, url: str, *args: str):
    result = runner.invoke(args=["slims", "sync", "--database-url", url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_sync_brings_titles_copies_and_members_and_a_second_run_changes_nothing(runner, session, slims_db):
    url, facts = slims_db
    first = _sync(runner, url)
    assert "titles: 22 added, 0 updated, 0 unchanged, 0 retired" in first
    assert "copies: 20 added, 0 updated, 0 unchanged, 0 retired" in first
    assert "members: 6 added, 0 updated, 0 unchanged, 0 retired" in first

    laskar = session.scalars(select(Book).where(Book.slims_biblio_id == 16)).one()
    assert (laskar.title, laskar.authors, laskar.subjects) == ("Laskar pelangi", ["Hirata, Andrea"],
                                                               ["Fiksi Indonesia", "Pendidikan"])
    assert (laskar.isbn13, laskar.call_number, laskar.language, laskar.publisher, laskar.year) == (
        facts["laskar_isbn"], "899.221 HIR l", "id", "Bentang Pustaka", 2005)
    pemimpi = session.scalars(select(Book).where(Book.slims_biblio_id == 17)).one()
    assert (pemimpi.title, pemimpi.subtitle) == ("Sang pemimpi", "novel")
    linux = session.scalars(select(Book).where(Book.slims_biblio_id == 2)).one()  # SLiMS's own sample data
    assert linux.authors[0] == "Siever, Ellen" and len(linux.authors) == 5

    copies = {i.barcode: i for i in session.scalars(select(Item))}
    assert {code: copies[code].status for code in ("P0001", "P0004", "P0005", "P0006", "P0007", "B00001")} == {
        "P0001": "available", "P0004": "on_loan", "P0005": "missing", "P0006": "reference",
        "P0007": "in_transit", "B00001": "on_loan"}
    assert copies["P0001"].location == "Lantai 1 · Koleksi Umum" and copies["P0001"].book_id == laskar.id

    members = {p.slims_member_id: p for p in session.scalars(select(Patron))}
    assert members["M0001"].card_number == "M0001" and members["M0001"].name == "Siti Rahmawati Putri"
    assert {m: members[m].category for m in ("M0001", "M0002", "M0003", "M0006")} == {
        "M0001": "adult", "M0002": "student", "M0003": "child", "M0006": "staff"}
    assert members["M0003"].fines == 60000 and members["M0001"].fines == 0  # a paid fine counts nothing
    assert members["M0005"].staff_block == mapping.PENDING_BLOCK
    assert members["M0004"].expires_on < facts["today"]
    assert members["M0001"].pin_hash is None  # passwords stay in SLiMS: login asks SLiMS

    second = _sync(runner, url)
    assert "titles: 0 added, 0 updated, 22 unchanged, 0 retired" in second
    assert "copies: 0 added, 0 updated, 20 unchanged, 0 retired" in second
    assert "members: 0 added, 0 updated, 6 unchanged, 0 retired" in second


def test_codes_stay_attached_changes_arrive_and_deletions_retire(runner, session, slims_db, slims_sql):
    url, facts = slims_db
    # Pindai had this title and copy before (a CSV import), with a label printed.
    earlier = make_book(session, title="Laskar Pelangi", isbn13=facts["laskar_isbn"])
    labelled = make_item(session, earlier, barcode="P0001")
    code = make_code(session, labelled)
    session.commit()
    first = _sync(runner, url)
    assert "titles: 21 added, 1 updated" in first and "copies: 19 added, 1 updated" in first
    session.expire_all()
    assert session.get(Book, earlier.id).slims_biblio_id == 16
    assert session.get(Item, labelled.id).slims_item_id == 11
    later = make_code(session, session.scalars(select(Item).where(Item.barcode == "P0010")).one())
    session.commit()

    slims_sql("UPDATE biblio SET title = 'Laskar pelangi : edisi ulang tahun' WHERE biblio_id = 16")
    slims_sql("UPDATE item SET location_id = 'L2' WHERE item_code = 'P0001'")
    slims_sql("INSERT INTO loan (item_code, member_id, loan_date, due_date, is_lent, is_return)"
              " VALUES ('P0008', 'M0001', CURDATE(), CURDATE() + INTERVAL 7 DAY, 1, 0)")
    slims_sql("DELETE FROM item WHERE item_code IN ('P0010', 'P0009')")
    slims_sql("DELETE FROM biblio WHERE biblio_id = 22")
    slims_sql("DELETE FROM member WHERE member_id = 'M0006'")
    slims_sql("UPDATE member SET is_pending = 0 WHERE member_id = 'M0005'")
    second = _sync(runner, url)
    assert "titles: 0 added, 1 updated, 20 unchanged, 1 retired" in second
    assert "copies: 0 added, 2 updated, 16 unchanged, 2 retired" in second
    assert "members: 0 added, 1 updated, 4 unchanged, 1 retired" in second

    session.expire_all()
    assert session.get(Code, code).target_id == labelled.id  # the printed label still names the copy
    item = session.get(Item, labelled.id)
    assert (item.location, item.book.title, item.book.subtitle) == ("Lantai 2 · Ruang Anak", "Laskar pelangi",
                                                                   "edisi ulang tahun")
    assert session.scalars(select(Item).where(Item.barcode == "P0008")).one().status == "on_loan"
    gone = session.get(Item, session.get(Code, later).target_id)
    assert gone.status == "withdrawn"
    assert session.scalars(select(Patron).where(Patron.slims_member_id == "M0006")).one().staff_block == mapping.GONE_BLOCK
    assert session.scalars(select(Patron).where(Patron.slims_member_id == "M0005")).one().staff_block is None
    third = _sync(runner, url)
    assert "titles: 0 added, 0 updated, 21 unchanged, 0 retired" in third
    assert "copies: 0 added, 0 updated, 18 unchanged, 0 retired" in third
    assert "members: 0 added, 0 updated, 5 unchanged, 0 retired" in third


def test_sync_without_a_database_says_what_to_set(runner):
    result = runner.invoke(args=["slims", "sync"])
    assert result.exit_code != 0 and "PINDAI_SLIMS_DATABASE_URL" in result.output


def test_an_unreachable_slims_is_a_clear_error(runner):
    result = runner.invoke(args=["slims", "sync", "--database-url", "mysql://root@127.0.0.1:1/slims"])
    assert result.exit_code == 1 and "SLiMS sync failed" in result.output and "Traceback" not in result.output


def test_the_periodic_job_runs_again_and_survives_an_unreachable_slims(runner, monkeypatch, slims_db):
    naps = []

    def nap(seconds):  # the job's wait between runs: stop it after the second one
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("content_service.slims.cli.time.sleep", nap)
    result = runner.invoke(args=["slims", "sync", "--database-url", slims_db[0], "--every", "300"])
    assert result.exit_code == 0 and naps == [300, 300]
    assert result.output.count("SLiMS sync: titles:") == 2 and "titles: 0 added, 0 updated, 22 unchanged" in result.output
    assert result.output.rstrip().endswith("stopped")
    naps.clear()
    down = runner.invoke(args=["slims", "sync", "--database-url", "mysql://root@127.0.0.1:1/slims", "--every", "60"])
    assert down.exit_code == 0 and down.output.count("SLiMS sync failed") == 2 and "trying again in 60 s" in down.output


def test_a_book_without_isbn_is_adopted_through_its_copies(runner, session, slims_db):
    # Supernova (biblio 22) has no ISBN in SLiMS; Pindai had it from a CSV, with a poster code on the book.
    earlier = make_book(session, title="Supernova")
    make_item(session, earlier, barcode="p0009")
    poster = make_code(session, earlier)
    session.commit()
    assert "titles: 21 added, 1 updated" in _sync(runner, slims_db[0])
    session.expire_all()
    book = session.get(Book, session.get(Code, poster).target_id)
    assert book.id == earlier.id and book.slims_biblio_id == 22
    assert (book.title, book.subtitle, [i.barcode for i in book.items]) == (
        "Supernova", "ksatria, puteri, dan bintang jatuh", ["P0009"])
    assert session.scalar(select(func.count()).select_from(Book).where(Book.title == "Supernova")) == 1
