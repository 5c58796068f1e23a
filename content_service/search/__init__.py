"""Catalogue search: a backend registry, the index kept in step with every
catalogue commit, the ``reindex`` command, and the domain functions behind
``/api/v1/search`` and the public search page.

Backends (``backend.SearchBackend``): ``postgres`` (the default on
PostgreSQL: the database keeps its search documents in the transaction that
changes a book, shared by every server), ``tantivy`` (the default
otherwise) and ``whoosh``, the two indexed-files backends, an index on each
machine's disk updated after each commit. The index can always be rebuilt
from the database: a missing index is built at its first use, and ``flask
reindex`` rebuilds it on demand. With an indexed-files backend, writes that
bypass the ORM unit of work (bulk ``update()``) must call ``mark_changed``
(the PostgreSQL backend's triggers see every write)."""
from __future__ import annotations

import hashlib
import logging
import sys
import threading
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import errors
from ..catalogue.models import Book, Isbn, Item
from .backend import SearchBackend, SearchResult
from .documents import count_books, iter_documents
from .lexicon import Filters
from .query import ParsedQuery, parse
from .snapshot import IndexBusy

__all__ = ["Filters", "ParsedQuery", "SearchBackend", "SearchResult", "parse", "search", "autocomplete", "related",
           "mark_changed", "get_backend", "backend_name"]

log = logging.getLogger(__name__)

BACKENDS = ("postgres", "tantivy", "whoosh")
# A missing index for more books than this is built in the background.
BUILD_AT_ONCE = 5_000
# How long a committing request waits for the index lock before handing its
# update to a background thread, and how long that thread waits (a full
# rebuild of 100,000 titles holds the lock for a minute or more).
UPDATE_WAIT = 0.5
LATER_WAIT = 600.0
_PENDING = "pindai.search.pending"


def index_location(app: Flask) -> str:
    """``SEARCH_INDEX``; by default a folder tied to the database, so two
    databases (the demo's and a real one) never share an index: beside a
    SQLite file (``pindai.db`` -> ``pindai-search-index/``), else in the
    instance folder, named after the database URL. Test apps (each test
    has its own database) keep theirs in memory."""
    configured = app.config.get("SEARCH_INDEX")
    if configured:
        return str(configured)
    if app.testing:
        return "memory"
    from sqlalchemy.engine import make_url

    from ..db import database_url

    url = make_url(database_url(app))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return str(database.with_name(f"{database.stem}-search-index"))
    digest = hashlib.sha1(url.render_as_string(hide_password=True).encode()).hexdigest()[:10]
    return str(Path(app.instance_path) / f"search-index-{digest}")


def get_backend(app: Flask | None = None):
    return (app or current_app).extensions["pindai.search"]


class IndexBuilding(errors.PindaiError):
    status = 503
    code = "search_index_building"
    message_en = _l("Search is being prepared. Please try again in a moment.")


def ensure_index(app: Flask | None = None):
    """The backend, with its index built from the database if it has none:
    at once for a small catalogue; in the background for a large one (a
    request would outlast the server's timeout), answering 503 meanwhile."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # the thread needs the app, not the proxy
    backend = get_backend(app)
    if _ready(app, backend):
        return backend
    lock = app.extensions["pindai.search.build_lock"]
    with app.extensions["pindai.sessionmaker"]() as session:
        large = count_books(session) > BUILD_AT_ONCE
    if large:
        if lock.acquire(blocking=False):
            threading.Thread(target=_build_in_background, args=(app, lock), daemon=True,
                             name="pindai-search-build").start()
        raise IndexBuilding()
    with lock:  # a build under way in this process: wait for it
        if not _ready(app, backend):
            _first_build(app)
    return backend


def _ready(app: Flask, backend) -> bool:
    """An index exists and is not a first build still filling up. A first
    build creates an empty index before its first document: a search then
    would find nothing (another thread's, or another worker's)."""
    if not backend.exists() or app.extensions["pindai.search.first_build"].is_set():
        return False
    marker = _building_marker(backend)
    return marker is None or not marker.exists()


def _building_marker(backend) -> Path | None:
    """Beside an index folder while its first build runs (seen by every
    worker); none in memory or in the database."""
    location = getattr(backend, "location", "memory")
    if location == "memory" or backend.in_transaction:
        return None
    return Path(location).with_name(Path(location).name + ".building")


def _first_build(app: Flask) -> int:
    """Build the index in place, marked as not ready until it is whole. (In
    place, not in a folder swapped in after: a catalogue commit meanwhile
    waits for the writer and lands in the index, never lost.) A marker a
    crashed build left is replaced by the next first use."""
    backend = get_backend(app)
    marker = _building_marker(backend)
    building = app.extensions["pindai.search.first_build"]
    building.set()
    try:
        if marker is not None:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        return rebuild(app)
    finally:
        if marker is not None:
            marker.unlink(missing_ok=True)
        building.clear()


def _build_in_background(app: Flask, lock: threading.Lock) -> None:
    try:
        if not _ready(app, get_backend(app)):
            _first_build(app)
    except Exception:
        log.exception("building the search index failed; run `flask reindex`")
    finally:
        lock.release()


def rebuild(app: Flask, progress=None) -> int:
    """Rebuild the whole index from the database; returns the books indexed."""
    backend = get_backend(app)
    if backend.in_transaction:  # the database computes its documents itself
        return backend.rebuild(None, progress=progress)
    with app.extensions["pindai.sessionmaker"]() as session:
        return backend.rebuild(iter_documents(session), progress=progress)


# -- keeping the index in sync --------------------------------------------

def mark_changed(session: Session, book_ids) -> None:
    """Reindex these books after the session's next commit."""
    session.info.setdefault(_PENDING, set()).update(book_ids)


def _collect(session: Session, _flush_context) -> None:
    changed = set()
    for group in (session.new, session.dirty, session.deleted):
        for obj in group:
            if isinstance(obj, Book):
                changed.add(obj.id)
            elif isinstance(obj, (Item, Isbn)):
                changed.add(obj.book_id)
    changed.discard(None)
    if changed:
        mark_changed(session, changed)


def _sync_after_commit(app: Flask, session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    backend = get_backend(app)
    try:
        # A missing index is built whole at first use, from committed data.
        if not backend.exists():
            return
        with app.extensions["pindai.sessionmaker"]() as reader:
            docs = list(iter_documents(reader, pending))
        removed = pending - {doc["id"] for doc in docs}
        try:
            backend.update(docs, removed, wait=UPDATE_WAIT)
        except IndexBusy:
            # A rebuild or another worker holds the index: the request that
            # committed (a loan at a kiosk) does not wait for it.
            threading.Thread(target=_update_later, args=(backend, docs, removed), daemon=True,
                             name="pindai-search-update").start()
    except Exception:
        # The catalogue change is committed; a stale index must not turn it
        # into an error. `flask reindex` repairs whatever was missed.
        log.exception("search index update failed for %d books; run `flask reindex`", len(pending))


def _update_later(backend, docs: list[dict], removed: set[int]) -> None:
    try:
        backend.update(docs, removed, wait=LATER_WAIT)
    except Exception:
        log.exception("search index update failed for %d books; run `flask reindex`", len(docs) + len(removed))


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _install_sync(app: Flask) -> None:
    if get_backend(app).in_transaction:
        return  # the database's triggers keep the index in the same transaction
    maker = app.extensions["pindai.sessionmaker"]
    event.listen(maker, "after_flush", _collect)
    event.listen(maker, "after_commit", lambda session: _sync_after_commit(app, session))
    event.listen(maker, "after_rollback", _forget)


def _warm_up_on_first_request(app: Flask) -> None:
    # Not at start-up: CLI commands create the app too and never search.
    state = {"started": False}

    @app.before_request
    def _warm_up() -> None:
        if not state["started"]:
            state["started"] = True
            get_backend(app).warm_up()


# -- queries ------------------------------------------------------------

def search(parsed: ParsedQuery, filters: Filters, page: int, per_page: int, backend=None) -> SearchResult:
    """One page of books matching ``parsed`` under ``filters``, with facet
    counts and a "did you mean" suggestion for misspelt words."""
    return (backend or ensure_index()).search(parsed, filters, page, per_page)


def autocomplete(text: str, limit: int, backend=None) -> list[dict]:
    """Summaries of books whose title or author starts with ``text``."""
    return (backend or ensure_index()).autocomplete(text, limit)


def related(book_id: int, limit: int, backend=None) -> list[int]:
    """Ids of books by the same author or on the same subjects; never the
    book itself, nor another record of it (a duplicate import), and each
    other book once (its record with copies)."""
    return (backend or ensure_index()).related(book_id, limit)


# -- the command ----------------------------------------------------------

@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy at run time
    with app.extensions["pindai.sessionmaker"]() as session:
        total = count_books(session)
    started = time.perf_counter()
    with click.progressbar(length=total, label="Indexing books", file=sys.stderr) as bar:
        count = rebuild(app, progress=bar.update)
    seconds = time.perf_counter() - started
    rate = f" ({count / seconds:,.0f} books/s)" if seconds > 0 and count else ""
    backend = get_backend(app)
    where = "the database" if backend.in_transaction else index_location(app)
    click.echo(f"Indexed {count} books in {seconds:.1f} s{rate} into {where} ({backend.name}).")


def backend_name(app: Flask) -> str:
    """``SEARCH_BACKEND``, else ``postgres`` on PostgreSQL and ``tantivy`` otherwise."""
    configured = (app.config.get("SEARCH_BACKEND") or "").strip().lower()
    if configured:
        return configured
    from sqlalchemy.engine import make_url

    from ..db import database_url

    return "postgres" if make_url(database_url(app)).get_backend_name() == "postgresql" else "tantivy"


def _make_backend(app: Flask, name: str) -> SearchBackend:
    from ..config import ConfigError

    if name not in BACKENDS:
        raise ConfigError(f"PINDAI_SEARCH_BACKEND={name!r}: choose one of {', '.join(BACKENDS)}")
    if name == "postgres":
        engine = app.extensions["pindai.engine"]
        if engine.dialect.name != "postgresql":
            raise ConfigError("PINDAI_SEARCH_BACKEND=postgres needs a PostgreSQL database (PINDAI_DATABASE_URL)")
        from .postgres_backend import PostgresBackend

        return PostgresBackend(engine)
    if name == "tantivy":
        from .tantivy_backend import TantivyBackend

        return TantivyBackend(index_location(app))
    from .whoosh_backend import WhooshBackend

    return WhooshBackend(index_location(app))


def init_app(app: Flask) -> None:
    app.extensions["pindai.search"] = _make_backend(app, backend_name(app))
    app.extensions["pindai.search.build_lock"] = threading.Lock()
    app.extensions["pindai.search.first_build"] = threading.Event()
    _install_sync(app)
    if not app.testing:
        _warm_up_on_first_request(app)
    app.cli.add_command(reindex_command)
    from . import views

    views.init_app(app)
