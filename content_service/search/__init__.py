"""Catalogue search: a backend registry (whoosh by default), the index kept
in sync with every catalogue commit, the ``reindex`` command, and the domain
functions behind ``/api/v1/search`` and the public search page.

The index can always be rebuilt from the database: a missing index is built
at its first use, and ``flask reindex`` rebuilds it on demand. Writes that
bypass the ORM unit of work (bulk ``update()``) must call ``mark_changed``."""
from __future__ import annotations

import hashlib
import logging
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import errors
from ..catalogue.duplicates import work_key
from ..catalogue.models import Book, Isbn, Item
from .analysis import stem, words
from .documents import count_books, iter_documents
from .lexicon import Filters, Lexicon
from .query import ParsedQuery, parse
from .snapshot import IndexBusy
from .tantivy_backend import TantivyBackend
from .whoosh_backend import WhooshBackend

__all__ = ["Filters", "ParsedQuery", "parse", "search", "autocomplete", "related", "mark_changed", "get_backend"]

log = logging.getLogger(__name__)

BACKENDS = {"whoosh": WhooshBackend, "tantivy": TantivyBackend}
# A missing index for more books than this is built in the background.
BUILD_AT_ONCE = 5_000
# How long a committing request waits for the index lock before handing its
# update to a background thread, and how long that thread waits (a full
# rebuild of 100,000 titles holds the lock for a minute or more).
UPDATE_WAIT = 0.5
LATER_WAIT = 600.0
_PENDING = "pindai.search.pending"


@dataclass
class SearchResult:
    book_ids: list[int]
    total: int
    facets: dict
    suggestion: str | None


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
    """Beside an index folder while its first build runs (seen by every worker)."""
    location = getattr(backend, "location", "memory")
    return None if location == "memory" else Path(location).with_name(Path(location).name + ".building")


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


# -- queries --------------------------------------------------------------

def search(parsed: ParsedQuery, filters: Filters, page: int, per_page: int, backend=None) -> SearchResult:
    """One page of books matching ``parsed`` under ``filters``, with facet
    counts and a "did you mean" suggestion for misspelt words."""
    backend = backend or ensure_index()
    searcher, lexicon = backend.snapshot()
    corrections = _corrections(backend, searcher, lexicon, parsed)
    book_ids, total, facets, corrected = backend.page(searcher, lexicon, parsed, corrections, filters, page, per_page)
    book_ids = holdings_first(lexicon, book_ids)
    suggestion = None
    if corrected and corrections:
        top = book_ids if page == 1 else backend.page(searcher, lexicon, parsed, corrections, filters, 1, 1)[0]
        suggestion = _suggestion(lexicon, parsed, corrections, top)
    return SearchResult(book_ids, total, facets, suggestion)


def _corrections(backend, searcher, lexicon: Lexicon, parsed: ParsedQuery) -> dict[str, list[str]]:
    """Per misspelt word, the catalogue words it may have meant."""
    corrections = {}
    for word in parsed.words:
        if lexicon.vocabulary.get(word, 0) >= 3:
            continue  # a word several titles, authors or subjects use is no typo
        found = lexicon.candidates(word, seen=backend.frequency(searcher, word, stem(word)))
        if found:
            corrections[word] = found
    return corrections


def _suggestion(lexicon: Lexicon, parsed: ParsedQuery, corrections: dict[str, list[str]], book_ids: list[int]) -> str:
    """The query with each misspelt word replaced by the candidate the best
    match uses ("harry poter" -> "harry potter", not "harry peter")."""
    slot = lexicon.slot_of.get(book_ids[0]) if book_ids else None
    used = set(lexicon.book_words[slot]) if slot is not None else set()
    chosen = {}
    for word, candidates in corrections.items():
        chosen[word] = next((c for c in candidates if c in used), candidates[0])
    return " ".join(chosen.get(w, w) for w in words(parsed.text))


def autocomplete(text: str, limit: int, backend=None) -> list[dict]:
    """Stored summaries of books whose title or author starts with ``text``."""
    backend = backend or ensure_index()
    return backend.lexicon().complete(text, limit)


def related(book_id: int, limit: int, backend=None) -> list[int]:
    """Ids of books by the same author or on the same subjects; never the
    book itself, nor another record of it (a duplicate import), and each
    other book once (its record with copies)."""
    backend = backend or ensure_index()
    lexicon = backend.lexicon()
    slot = lexicon.slot_of.get(book_id)
    if slot is None:
        return []
    seen: set[str | None] = {_work(lexicon.book(slot))}
    found = []
    for other in holdings_first(lexicon, backend.related(book_id, limit + 10)):
        other_slot = lexicon.slot_of.get(other)
        work = _work(lexicon.book(other_slot)) if other_slot is not None else None
        if other == book_id or work in seen:
            continue
        seen.add(work)
        found.append(other)
    return found[:limit]


def _work(entry: dict) -> str:
    return work_key(entry.get("title"), entry.get("authors"))


def holdings_first(lexicon: Lexicon, book_ids: list[int]) -> list[int]:
    """Where two records of one book (same title and first author) are in a
    result, the one with copies comes first: a copy-less duplicate from an
    import never outranks the record the library lends."""
    works: dict[str, list[int]] = {}
    for position, book_id in enumerate(book_ids):
        slot = lexicon.slot_of.get(book_id)
        if slot is not None:
            works.setdefault(_work(lexicon.book(slot)), []).append(position)
    ordered = list(book_ids)
    for positions in works.values():
        if len(positions) < 2:
            continue
        members = sorted((book_ids[p] for p in positions),
                         key=lambda i: not (lexicon.book(lexicon.slot_of[i]).get("holdings") or 0))
        for position, book_id in zip(positions, members):
            ordered[position] = book_id
    return ordered


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
    click.echo(f"Indexed {count} books in {seconds:.1f} s{rate} into {index_location(app)}.")


def init_app(app: Flask) -> None:
    name = app.config.get("SEARCH_BACKEND") or "whoosh"
    if name not in BACKENDS:
        from ..config import ConfigError

        raise ConfigError(f"PINDAI_SEARCH_BACKEND={name!r}: choose one of {', '.join(sorted(BACKENDS))}")
    app.extensions["pindai.search"] = BACKENDS[name](index_location(app))
    app.extensions["pindai.search.build_lock"] = threading.Lock()
    app.extensions["pindai.search.first_build"] = threading.Event()
    _install_sync(app)
    if not app.testing:
        _warm_up_on_first_request(app)
    app.cli.add_command(reindex_command)
    from . import views

    views.init_app(app)
