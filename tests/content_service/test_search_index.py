"""The index on disk (or, with the postgres backend, in the database):
`flask reindex`, a missing index built at first use, and catalogue imports
(batched commits) followed by the index."""
from __future__ import annotations

import pytest

from content_service.imports import import_file
from content_service.search import get_backend
from tests.content_service.test_search_api import skip_other_databases
from tests.factories import make_book

CSV = """judul,pengarang,tahun terbit,bahasa,subjek,isbn
Bumi Manusia,Pramoedya Ananta Toer,1980,Indonesia,Novel sejarah,9789799731234
Cantik Itu Luka,Eka Kurniawan,2002,Indonesia,Novel,
Negeri 5 Menara,Ahmad Fuadi,2009,Indonesia,Pendidikan,
"""


@pytest.fixture(params=["whoosh", "tantivy", "postgres"])
def disk_app(make_app, db_url, tmp_path, request):
    skip_other_databases(request.param, db_url)
    return make_app(SEARCH_BACKEND=request.param, SEARCH_INDEX=str(tmp_path / f"index-{request.param}"))


def total(client, q):
    return client.get("/api/v1/search", query_string={"q": q}).get_json()["total"]


def test_reindex_command_rebuilds_from_the_database(disk_app, tmp_path):
    session = disk_app.extensions["pindai.sessionmaker"]()
    for n in range(7):
        make_book(session, title=f"Hikayat Nomor {n}")
    session.commit()
    session.close()
    backend = get_backend(disk_app)
    assert not backend.exists()  # nobody searched yet: no index
    result = disk_app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 7 books" in result.output
    if backend.name == "postgres":  # in the database, no folder of files
        assert "into the database (postgres)" in result.output and not (tmp_path / "index-postgres").exists()
    else:
        assert str(tmp_path) in result.output and any((tmp_path / f"index-{backend.name}").iterdir())
    assert backend.exists()
    assert total(disk_app.test_client(), "hikayat") == 7


def test_missing_index_is_built_at_first_search_and_follows_imports(disk_app, make_app, tmp_path):
    session = disk_app.extensions["pindai.sessionmaker"]()
    make_book(session, title="Sitti Nurbaya")
    session.commit()
    client = disk_app.test_client()
    assert total(client, "nurbaya") == 1  # built from the database on first use
    path = tmp_path / "katalog.csv"
    path.write_text(CSV, encoding="utf-8")
    report = import_file(session, path, "csv")
    assert report.count("imported") == 3
    assert total(client, "pramoedya") == 1 and total(client, "9789799731234") == 1
    assert total(client, "menara") == 1
    # Another worker process opens the same index from disk and sees a
    # change the first one indexed.
    other = make_app(SEARCH_BACKEND=disk_app.config["SEARCH_BACKEND"], SEARCH_INDEX=disk_app.config["SEARCH_INDEX"])
    assert total(other.test_client(), "kurniawan") == 1
    make_book(session, title="Layar Terkembang")
    session.commit()
    session.close()
    get_backend(other)._checked = 0.0  # past REFRESH_SECONDS, without sleeping in a test
    assert total(other.test_client(), "terkembang") == 1


def test_each_database_has_its_own_index_folder(tmp_path):
    from content_service import create_app
    from content_service.search import index_location

    def location(url):
        app = create_app({"ENV": "development", "DATABASE_URL": url})
        app.extensions["pindai.engine"].dispose()
        return index_location(app)

    demo, real = location(f"sqlite:///{tmp_path / 'demo' / 'pindai.db'}"), location(f"sqlite:///{tmp_path / 'pindai.db'}")
    assert demo == str(tmp_path / "demo" / "pindai-search-index") and real == str(tmp_path / "pindai-search-index")
    one, two = location("postgresql+psycopg://pindai@db/pindai"), location("postgresql+psycopg://pindai@db/other")
    assert one != two and "search-index-" in one


def test_a_worker_warms_its_search_up_at_its_first_request(make_app, tmp_path):
    import threading

    app = make_app(TESTING=False, SEARCH_BACKEND="whoosh", SEARCH_INDEX=str(tmp_path / "warm"))
    session = app.extensions["pindai.sessionmaker"]()
    make_book(session, title="Siti Nurbaya")
    session.commit()
    session.close()
    assert app.test_cli_runner().invoke(args=["reindex"]).exit_code == 0
    backend = get_backend(app)
    assert backend._snapshot is None
    app.test_client().get("/ping")  # any request, not a search
    for thread in threading.enumerate():
        if thread.name == "pindai-search-warm-up":
            thread.join(timeout=30)
    assert backend._snapshot is not None and len(backend._snapshot[1].entries) == 1


def test_a_commit_does_not_wait_for_a_busy_index(disk_app):
    import threading

    backend = get_backend(disk_app)
    if backend.in_transaction:
        pytest.skip("no index lock: the database updates the documents in the commit")
    session = disk_app.extensions["pindai.sessionmaker"]()
    client = disk_app.test_client()
    assert total(client, "anything") == 0  # the index exists
    # Another process's writer (a rebuild) holds the lock.
    if backend.name == "whoosh":
        held = backend._open().writer()
        release = held.cancel
    else:
        from content_service.search import tantivy_backend

        import tantivy

        other = tantivy.Index(tantivy_backend.make_schema(), path=backend.location, reuse=True)
        held = other.writer(heap_size=15_000_000, num_threads=1)
        release = lambda: held.rollback() or held.wait_merging_threads()  # noqa: E731
    make_book(session, title="Salah Asuhan")
    session.commit()  # returns without waiting for the lock
    assert total(client, "asuhan") == 0
    release()
    if backend.name == "tantivy":
        del held, other
    for thread in threading.enumerate():
        if thread.name == "pindai-search-update":
            thread.join(timeout=60)
    backend._checked = 0.0
    assert total(client, "asuhan") == 1
    session.close()


def test_a_large_catalogue_without_an_index_builds_it_in_the_background(disk_app, monkeypatch):
    import threading

    import content_service.search as search_module

    monkeypatch.setattr(search_module, "BUILD_AT_ONCE", 2)
    session = disk_app.extensions["pindai.sessionmaker"]()
    for n in range(3):
        make_book(session, title=f"Babad Tanah Jawi {n}")
    session.commit()
    session.close()
    client = disk_app.test_client()
    first = client.get("/api/v1/search?q=babad")
    assert first.status_code == 503 and first.get_json()["error"]["code"] == "search_index_building"
    page = client.get("/search?q=babad", headers={"Accept": "text/html"})
    assert page.status_code in (200, 503)  # the build may have finished already
    for thread in threading.enumerate():
        if thread.name == "pindai-search-build":
            thread.join(timeout=60)
    assert total(client, "babad") == 3


def test_searches_during_the_first_build_wait_for_the_whole_index(disk_app, make_app, monkeypatch):
    """A kiosk's first scan asks for a book and its related titles at once:
    the searches that arrive while the index is first built wait for it, in
    this worker and in another one, instead of reading the empty index the
    build starts with (related titles came back empty)."""
    import threading

    import content_service.search as search

    if get_backend(disk_app).in_transaction:
        pytest.skip("the database builds its documents in one transaction: nobody reads a half-built index")
    session = disk_app.extensions["pindai.sessionmaker"]()
    for n in range(12):
        make_book(session, title=f"Hikayat Nomor {n}")
    session.commit()
    session.close()
    real = search.iter_documents
    started, go_on = threading.Event(), threading.Event()

    def paused(*args, **kwargs):  # the real documents, with the build held after the first
        for n, doc in enumerate(real(*args, **kwargs)):
            yield doc
            if n == 0:
                started.set()
                go_on.wait(10)

    monkeypatch.setattr(search, "iter_documents", paused)
    totals: dict[str, int] = {}
    build = threading.Thread(target=lambda: totals.update(first=total(disk_app.test_client(), "hikayat")))
    build.start()
    assert started.wait(10)
    other = make_app(SEARCH_BACKEND=disk_app.config["SEARCH_BACKEND"], SEARCH_INDEX=disk_app.config["SEARCH_INDEX"])
    readers = [threading.Thread(target=lambda: totals.update(same=total(disk_app.test_client(), "hikayat"))),
               threading.Thread(target=lambda: totals.update(other=total(other.test_client(), "hikayat")))]
    for reader in readers:
        reader.start()
    threading.Timer(0.5, go_on.set).start()
    for thread in (build, *readers):
        thread.join(30)
    assert totals == {"first": 12, "same": 12, "other": 12}
