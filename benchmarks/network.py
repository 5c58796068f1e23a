"""A library network at scale for the benchmarks: ``fill_network`` writes N titles
(default 100,000) with ISBNs, copies spread over five libraries of Batam's network
(the default one and ``LIBRARIES``) and a label code for every title and copy, with
Core inserts (minutes of importer time become seconds; on PostgreSQL the search
documents are rebuilt once after). Not a benchmark itself (``make bench`` runs
``bench_*.py``)."""
from __future__ import annotations

import random

# With the default library (the city's, made by the migrations): five.
LIBRARIES = [
    ("sekupang", "Perpustakaan Cabang Sekupang", "branch"),
    ("keliling", "Perpustakaan Keliling", "mobile"),
    ("smpn3", "Perpustakaan SMPN 3 Batam", "school"),
    ("unrika", "Perpustakaan Universitas Riau Kepulauan", "university"),
]
WORDS = ("laut batu pulau angin hujan pelangi sekolah rumah kota jalan cerita anak "
         "sejarah ilmu bahasa kapal nelayan hutan gunung bintang").split()


def _isbn13(number: int) -> str:
    from content_service.isbn import isbn13_check_digit

    first12 = f"978{number:09d}"
    return first12 + isbn13_check_digit(first12)


def fill_network(engine, titles: int = 100_000, *, seed: int = 16) -> dict[str, list[str]]:
    """Write the network; answers the payloads a kiosk scans, by kind: label
    ``codes`` (of titles and copies), ``isbns`` and copy ``barcodes``."""
    from sqlalchemy import func, insert, select

    from content_service import codes
    from content_service.catalogue.models import Book, Isbn, Item
    from content_service.codes.models import Code
    from content_service.libraries.models import Library

    rng = random.Random(seed)
    with engine.begin() as conn:
        known = set(conn.scalars(select(Library.code)))
        new = [{"code": code, "name": name, "kind": kind, "is_default": False, "active": True}
               for code, name, kind in LIBRARIES if code not in known]
        if new:
            conn.execute(insert(Library.__table__), new)
        library_ids = list(conn.scalars(select(Library.id)))
        first_book = (conn.scalar(select(func.max(Book.id))) or 0) + 1
        first_item = (conn.scalar(select(func.max(Item.id))) or 0) + 1
    books, isbns, items, labels = [], [], [], []
    used: set[str] = set()

    def code_for(target_type: str, target_id: int) -> None:
        code = codes.new_code()
        while code in used:
            code = codes.new_code()
        used.add(code)
        labels.append({"code": code, "target_type": target_type, "target_id": target_id})

    item_id = first_item
    for number in range(titles):
        book_id = first_book + number
        books.append({"id": book_id, "title": " ".join(rng.sample(WORDS, 3)).title(),
                      "authors": [f"Penulis {number % 5000}"], "subjects": [rng.choice(WORDS)],
                      "year": rng.randint(1970, 2026), "language": rng.choice(["id", "id", "en"]),
                      "audience": "all"})
        isbns.append({"isbn13": _isbn13(book_id), "book_id": book_id, "position": 0})
        code_for("book", book_id)
        for _ in range(rng.randint(1, 3)):
            items.append({"id": item_id, "book_id": book_id, "barcode": f"N{item_id:09d}",
                          "library_id": rng.choice(library_ids), "status": "available"})
            code_for("item", item_id)
            item_id += 1
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            # As a bulk load is done: the search triggers off and one rebuild
            # of the documents after (psycopg's executemany sends a statement
            # per row, and each statement would refresh its book: 4 ms a title).
            for table in ("book", "isbn", "item"):
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for table, rows in ((Book, books), (Isbn, isbns), (Item, items), (Code, labels)):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table.__table__), rows[start:start + 5000])
        if postgres:
            from content_service.search import postgres_schema

            for table in ("book", "isbn", "item"):
                conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            if postgres_schema.is_installed(conn):
                postgres_schema.fill(conn)
    if postgres:
        # What autovacuum does within a minute of a bulk load: the planner's statistics.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"codes": [row["code"] for row in labels], "isbns": [row["isbn13"] for row in isbns],
            "barcodes": [row["barcode"] for row in items]}
