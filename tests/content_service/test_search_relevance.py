"""Relevance on the real catalogues in ../shared/data/catalog (goodbooks-10k,
gramedia, kamisdata), imported with the project's own importer: queries in
Indonesian and English, misspelt ones too, with the book that must come
first. Runs once per backend: whoosh and tantivy on one SQLite database,
the postgres backend on PostgreSQL (building them is the cost; the queries
are cheap)."""
from __future__ import annotations

import os

import pytest

from content_service import create_app
from content_service.db import Base, get_engine
from content_service.imports import tabular
from content_service.catalogue.models import Book, Isbn, Item
from content_service.search import Filters, parse, rebuild, search
from content_service.search.analysis import stem, words
from tests.conftest import shared_path

pytestmark = pytest.mark.shared_data

CATALOGUES = [
    ("goodbooks-10k", "books.csv"),
    ("gramedia-bestsellers-id", "gramedia_books.csv"),
    ("kamisdata-buku-indonesia", "bukuindonesia.csv"),
]

# (query, a text the first result's title must contain), Indonesian and English.
FIRST = [
    ("laskar pelangi", "laskar pelangi"),
    ("Laskar Pelangi Andrea Hirata", "laskar pelangi"),
    ("harry poter", "harry potter"),
    ("hary potter sorcerer", "harry potter and the sorcerer"),
    ("bumi manusia", "bumi manusia"),
    ("pramoedya bumi", "bumi manusia"),
    ("cantik itu luka", "cantik itu luka"),
    ("ronggeng dukuh paruk", "ronggeng dukuh paruk"),
    ("the hunger games", "the hunger games"),
    ("hunger gmes", "the hunger games"),
    ("games of thrones", "a game of thrones"),
    ("tolkien hobbit", "the hobbit"),
    ("sherlok holmes", "sherlock holmes"),
    ("9780439023481", "the hunger games"),
    ("0439023483", "the hunger games"),
    ("\"bumi manusia\"", "bumi manusia"),
    ("ayat ayat cinta", "ayat-ayat cinta"),
]


def _write(engine, records) -> None:
    books, isbns, items, seen = [], [], [], set()
    for n, record in enumerate(records, start=1):
        books.append({"id": n, "title": record.title, "subtitle": record.subtitle, "authors": record.authors,
                      "subjects": record.subjects, "summary": record.summary, "publisher": record.publisher,
                      "year": record.year, "language": record.language, "audience": record.audience or "all",
                      "cover_url": record.cover_url, "call_number": record.call_number})
        for position, isbn13 in enumerate(record.isbns):
            if isbn13 not in seen:
                seen.add(isbn13)
                isbns.append({"isbn13": isbn13, "book_id": n, "position": position})
        if n % 3:
            items.append({"book_id": n, "barcode": f"R{n:07d}", "status": "available" if n % 2 else "on_loan"})
    with engine.begin() as conn:
        for model, rows in ((Book, books), (Isbn, isbns), (Item, items)):
            conn.execute(model.__table__.insert(), rows)


def _app(url: str, folder, **config):
    return create_app({"ENV": "test", "TESTING": True, "DATABASE_URL": url, "MEDIA_ROOT": str(folder / "media"),
                       "PUBLIC_BASE_URL": "https://pindai.example.id", **config})


@pytest.fixture(scope="module")
def records():
    paths = [shared_path("catalog", folder, name) for folder, name in CATALOGUES]
    # Read with the project's CSV importer (its cleaning and repairs), written
    # with Core inserts: the ORM import path has tests of its own and would
    # take most of a minute here.
    return [record for path in paths for _p, _l, record in tabular.read(path)
            if not isinstance(record, Exception) and record.title]


def _fill(app, records) -> None:
    with app.app_context():
        Base.metadata.create_all(get_engine())
        _write(get_engine(), records)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("relevance")
    app = _app(f"sqlite:///{folder / 'catalogue.db'}", folder)
    _fill(app, records)
    yield folder
    app.extensions["pindai.engine"].dispose()


@pytest.fixture(scope="module")
def postgres_catalogue(tmp_path_factory, records):
    """The same catalogue in a schema of its own on the PostgreSQL server."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("the postgres backend needs PostgreSQL (TEST_DATABASE_URL)")
    from benchmarks.pg_schema import postgres_schema

    folder = tmp_path_factory.mktemp("relevance-pg")
    with postgres_schema(base) as url:
        app = _app(url, folder)
        _fill(app, records)
        app.extensions["pindai.engine"].dispose()
        yield url, folder


@pytest.fixture(scope="module", params=["whoosh", "tantivy", pytest.param("postgres", marks=pytest.mark.postgresql)])
def index(request):
    """The index of one backend over the catalogue: whoosh and tantivy on
    SQLite, the postgres backend on PostgreSQL."""
    if request.param == "postgres":
        url, folder = request.getfixturevalue("postgres_catalogue")
    else:
        folder = request.getfixturevalue("catalogue")
        url = f"sqlite:///{folder / 'catalogue.db'}"
    app = _app(url, folder, SEARCH_BACKEND=request.param)
    count = rebuild(app)
    assert count > 16_000
    yield app
    app.extensions["pindai.engine"].dispose()


def first_titles(app, query: str, n: int = 1, **filters) -> list[str]:
    with app.app_context():
        found = search(parse(query), Filters(**filters), 1, n)
        titles = []
        with app.extensions["pindai.sessionmaker"]() as session:
            for book_id in found.book_ids:
                titles.append(session.get(Book, book_id).title.lower())
        return titles


def test_the_right_book_comes_first(index):
    misses = []
    for query, expected in FIRST:
        top = first_titles(index, query)
        if not top or expected not in top[0]:
            misses.append(f"{query!r}: wanted {expected!r}, got {top[:1]}")
    assert not misses, "\n".join(misses)


def test_membaca_finds_titles_with_baca(index):
    # Indonesian stemming: the visitor typed "membaca" (reading); titles say
    # "baca", "bacaan", "pembaca".
    titles = first_titles(index, "membaca", n=40)
    other_forms = [t for t in titles if any(stem(w) == "baca" and w != "membaca" for w in words(t))]
    assert len(other_forms) >= 5, titles


def test_misspelt_query_suggests_the_catalogue_words(index):
    with index.app_context():
        assert search(parse("harry poter"), Filters(), 1, 5).suggestion == "harry potter"
        assert search(parse("laskar pelangi"), Filters(), 1, 5).suggestion is None


def test_facets_on_the_real_catalogue(index):
    with index.app_context():
        everything = search(parse(""), Filters(), 1, 5)
        indonesian = search(parse("cinta"), Filters(language="id"), 1, 5)
    languages = {f["value"]: f["count"] for f in everything.facets["language"]}
    assert languages["en"] > 5000 and languages["id"] > 5000
    assert everything.total > 16_000
    assert indonesian.total > 50
    assert sum(f["count"] for f in everything.facets["year"]) > 10_000
