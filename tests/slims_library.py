"""A real SLiMS 9 database for tests: the ``slims_url`` fixture makes a
database of its own on the MariaDB server (random name), loads SLiMS's own
``senayan.sql`` and ``sampledata.sql`` from ../shared/peers/slims, builds a
small Indonesian library in SLiMS's tables with SQL (``LIBRARY`` says what
is in it), and drops the database afterwards.

Skips with the reason when ../shared or the MariaDB server is missing.
Imported by tests/conftest.py, so any test can ask for ``slims_url``."""
from __future__ import annotations

import os
import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest

PEER = Path(__file__).resolve().parents[1].parent / "shared" / "peers" / "slims"
MARIADB = dict(host=os.environ.get("TEST_MARIADB_HOST", "127.0.0.1"),
               port=int(os.environ.get("TEST_MARIADB_PORT", "3306")), user="root", password="")
PIN = "2468"  # every test member's OPAC password


def isbn13(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _bcrypt_php(password: str) -> str:
    """A hash as SLiMS 9 stores it: PHP's password_hash, ``$2y$`` prefix."""
    import bcrypt

    return "$2y$" + bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()[4:]


def _connect(database: str | None = None, multi: bool = False):
    import pymysql
    from pymysql.constants import CLIENT

    return pymysql.connect(**MARIADB, database=database, charset="utf8mb4", autocommit=True,
                           client_flag=CLIENT.MULTI_STATEMENTS if multi else 0, connect_timeout=3)


def _run_script(conn, sql: str) -> None:
    # The installer's files end a few statements with ";;" (SLiMS splits
    # them itself); the server refuses the empty statement between.
    sql = re.sub(r";;[ \t]*$", ";", sql, flags=re.MULTILINE)
    with conn.cursor() as cur:
        cur.execute(sql)
        while cur.nextset():
            pass


def wib_today() -> date:
    """Today where the library is: SLiMS writes loan dates in WIB."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def _days(n: int) -> date:
    return wib_today() + timedelta(days=n)


def build_library(conn) -> dict:
    """Indonesian titles, copies, members of several types, loans, holidays,
    fines and a reserve, written as SLiMS's own forms would write them."""
    pin = _bcrypt_php(PIN)
    today = wib_today()
    holidays = [_days(7), _days(8)]  # a 7-day loan made today falls due on day 9
    facts = {
        "today": today,
        "holidays": holidays,
        "laskar_isbn": isbn13("978979306279"),
        "bumi_isbn": isbn13("978979973123"),
    }
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO mst_member_type (member_type_id, member_type_name, loan_limit, loan_periode, enable_reserve,"
            " reserve_limit, member_periode, reborrow_limit, fine_each_day, grace_periode, input_date)"
            " VALUES (%s, %s, %s, %s, 1, 2, 365, %s, %s, %s, CURDATE())",
            [(2, "Umum", 3, 7, 1, 500, 0), (3, "Pelajar", 2, 7, 1, 200, 2), (4, "Anak-anak", 1, 7, 0, 100, 0),
             (5, "Pegawai", 10, 28, 3, 0, 0)])
        # Fiction lent to the public for 14 days, two at a time, Rp 1.000 a day late.
        cur.execute("INSERT INTO mst_loan_rules (loan_rules_id, member_type_id, coll_type_id, gmd_id, loan_limit,"
                    " loan_periode, reborrow_limit, fine_each_day, grace_periode, input_date)"
                    " VALUES (1, 2, 3, 0, 2, 14, 2, 1000, 0, CURDATE())")
        cur.executemany("INSERT INTO mst_location (location_id, location_name, input_date, last_update)"
                        " VALUES (%s, %s, CURDATE(), CURDATE())",
                        [("L1", "Lantai 1 · Koleksi Umum"), ("L2", "Lantai 2 · Ruang Anak")])
        cur.executemany("INSERT INTO mst_publisher (publisher_id, publisher_name, input_date, last_update)"
                        " VALUES (%s, %s, CURDATE(), CURDATE())",
                        [(12, "Bentang Pustaka"), (13, "Hasta Mitra"), (14, "Gramedia Pustaka Utama"),
                         (15, "Republika")])
        cur.executemany("INSERT INTO mst_author (author_id, author_name, authority_type, input_date)"
                        " VALUES (%s, %s, 'p', CURDATE())",
                        [(25, "Hirata, Andrea"), (26, "Toer, Pramoedya Ananta"), (27, "Tere Liye"),
                         (28, "Fuadi, Ahmad"), (29, "Lestari, Dewi")])
        cur.executemany("INSERT INTO mst_topic (topic_id, topic, topic_type, classification, input_date)"
                        " VALUES (%s, %s, 't', '', CURDATE())",
                        [(18, "Fiksi Indonesia"), (19, "Pendidikan"), (20, "Sejarah"), (21, "Novel remaja")])
        biblios = [
            (16, "Laskar pelangi", facts["laskar_isbn"], 12, "2005", "899.221 HIR l", "Novel tentang sepuluh anak Belitung."),
            (17, "Sang pemimpi : novel", isbn13("978979306292"), 12, "2006", "899.221 HIR s", None),
            (18, "Bumi manusia", facts["bumi_isbn"], 13, "1980", "899.221 TOE b", None),
            (19, "Anak semua bangsa", isbn13("978979973124"), 13, "1981", "899.221 TOE a", None),
            (20, "Hujan", isbn13("978602032478"), 14, "2016", "899.221 TER h", None),
            (21, "Negeri 5 menara", isbn13("978979224483"), 14, "2009", "899.221 FUA n", None),
            (22, "Supernova : ksatria, puteri, dan bintang jatuh", None, 15, "2001", "899.221 LES s", None),
        ]
        cur.executemany("INSERT INTO biblio (biblio_id, gmd_id, title, isbn_issn, publisher_id, publish_year, call_number,"
                        " language_id, notes, input_date, last_update) VALUES (%s, 1, %s, %s, %s, %s, %s, 'id', %s, NOW(), NOW())",
                        biblios)
        cur.executemany("INSERT INTO biblio_author (biblio_id, author_id, level) VALUES (%s, %s, 1)",
                        [(16, 25), (17, 25), (18, 26), (19, 26), (20, 27), (21, 28), (22, 29)])
        cur.executemany("INSERT INTO biblio_topic (biblio_id, topic_id, level) VALUES (%s, %s, %s)",
                        [(16, 18, 1), (16, 19, 2), (17, 18, 1), (18, 18, 1), (18, 20, 2), (19, 20, 1), (20, 21, 1),
                         (21, 19, 1), (22, 18, 1)])
        items = [  # item_id, biblio_id, coll_type, code, location, status
            (11, 16, 1, "P0001", "L1", "0"), (12, 16, 1, "P0002", "L1", "0"), (13, 17, 3, "P0003", "L1", "0"),
            (14, 18, 1, "P0004", "L1", "0"), (15, 18, 1, "P0005", "L1", "MIS"), (16, 19, 1, "P0006", "L1", "NL"),
            (17, 20, 3, "P0007", "L2", "R"), (18, 21, 1, "P0008", "L2", "0"), (19, 22, 3, "P0009", "L1", "0"),
            (20, 21, 1, "P0010", "L2", "0"),
        ]
        cur.executemany("INSERT INTO item (item_id, biblio_id, coll_type_id, item_code, inventory_code, location_id,"
                        " item_status_id, source, input_date, last_update) VALUES (%s, %s, %s, %s, %s, %s, %s, 1, NOW(), NOW())",
                        [(i, b, c, code, f"INV/{code}", loc, st) for i, b, c, code, loc, st in items])
        members = [  # id, name, type, expiry, pending
            ("M0001", "Siti Rahmawati Putri", 2, _days(300), 0),
            ("M0002", "Budi Santoso", 3, _days(300), 0),
            ("M0003", "Dewi Lestari Anak", 4, _days(300), 0),
            ("M0004", "Agus Salim", 2, _days(-3), 0),
            ("M0005", "Rina Marlina", 2, _days(300), 1),
            ("M0006", "Ahmad Fauzi", 5, _days(300), 0),
        ]
        cur.executemany("INSERT INTO member (member_id, member_name, gender, member_type_id, member_email, member_phone,"
                        " member_since_date, register_date, expire_date, is_pending, mpasswd, input_date, last_update)"
                        " VALUES (%s, %s, 0, %s, %s, '0812-7000-0000', CURDATE(), CURDATE(), %s, %s, %s, CURDATE(), CURDATE())",
                        [(m, n, t, f"{m.lower()}@contoh.id", e, p, pin) for m, n, t, e, p in members])
        # Budi (Pelajar, limit 2) has two books out; Siti has one, ten days overdue.
        loans = [("B00001", "M0002", _days(-3), _days(4)), ("B00002", "M0002", _days(-3), _days(4)),
                 ("P0004", "M0001", _days(-17), _days(-10))]
        cur.executemany("INSERT INTO loan (item_code, member_id, loan_date, due_date, renewed, loan_rules_id, is_lent,"
                        " is_return, input_date, last_update, uid) VALUES (%s, %s, %s, %s, 0, 0, 1, 0, NOW(), NOW(), 1)",
                        loans)
        cur.executemany("INSERT INTO holiday (holiday_dayname, holiday_date, description) VALUES (%s, %s, %s)",
                        [(d.strftime("%a"), d, "Cuti bersama") for d in holidays])
        cur.executemany("INSERT INTO fines (fines_date, member_id, debet, credit, description) VALUES (%s, %s, %s, %s, %s)",
                        [(_days(-40), "M0003", 60000, 0, "Overdue fines for item B00003"),
                         (_days(-40), "M0001", 2000, 2000, "Overdue fines for item B00004")])
        # Dewi reserved the second copy of Laskar pelangi.
        cur.execute("INSERT INTO reserve (member_id, biblio_id, item_code, reserve_date) VALUES ('M0003', 16, 'P0002', NOW())")
    return facts


@pytest.fixture
def slims_db():
    """(URL, facts) of a fresh SLiMS 9 database with the test library in it."""
    if not (PEER / "senayan.sql").exists():
        pytest.skip("needs ../shared/peers/slims (the SLiMS 9 schema; not in a fresh clone, present in CI)")
    try:
        import pymysql  # noqa: F401

        admin = _connect()
    except Exception as exc:  # noqa: BLE001 - any reason the server is not there
        pytest.skip(f"needs a MariaDB server at {MARIADB['host']}:{MARIADB['port']} (root, no password): {exc}")
    name = f"slims_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8 COLLATE utf8_unicode_ci")
    try:
        conn = _connect(name, multi=True)
        try:
            for script in ("senayan.sql", "sampledata.sql"):
                _run_script(conn, (PEER / script).read_text(encoding="utf-8"))
            facts = build_library(conn)
        finally:
            conn.close()
        yield f"mysql+pymysql://{MARIADB['user']}@{MARIADB['host']}:{MARIADB['port']}/{name}", facts
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
def slims_sql(slims_db):
    """Run SQL on the test SLiMS database: ``slims_sql("SELECT ...", args)`` answers the rows as dicts."""
    import pymysql

    conn = _connect(slims_db[0].rsplit("/", 1)[1])
    conn.cursorclass = pymysql.cursors.DictCursor

    def run(sql: str, args=None) -> list[dict]:
        with conn.cursor(pymysql.cursors.DictCursor) as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    yield run
    conn.close()
