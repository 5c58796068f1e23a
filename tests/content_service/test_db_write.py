"""``db.write``: one write transaction, committed once, run again when
another writer was in the way, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from content_service import db, errors
from content_service.catalogue.models import Book, CatalogueState, Isbn
from tests.factories import make_book

WRITERS = 4


def _bump_slowly(session):
    """A read-modify-write that loses updates unless writers are serialised
    (SQLite: BEGIN IMMEDIATE) or a conflict is retried (PostgreSQL:
    repeatable read answers a serialisation failure, which is retried)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    row = session.scalar(select(CatalogueState).where(CatalogueState.id == 1))
    seen = row.version
    time.sleep(0.005)  # let the others read the same value
    row.version = seen + 1
    return seen


def test_parallel_read_modify_writes_are_not_lost(app, session):
    session.add(CatalogueState(id=1, version=0))
    session.commit()
    rounds, failures = 5, []

    def writer():
        with app.app_context():
            try:
                for _ in range(rounds):
                    db.write(_bump_slowly)
            except Exception as exc:  # reported below, with the others
                failures.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    session.expire_all()
    assert session.get(CatalogueState, 1).version == WRITERS * rounds


def test_a_kept_refusal_is_committed_then_raised(app, session):
    class Refused(errors.PindaiError):
        code = "refused"

    def work(session):
        make_book(session, title="Dicatat walau ditolak")
        raise Refused()

    with app.app_context(), pytest.raises(Refused):
        db.write(work, keep=(Refused,))
    assert session.scalar(select(Book.title)) == "Dicatat walau ditolak"


def test_other_errors_roll_back_at_once(app, session):
    calls = []

    def work(session):
        calls.append(1)
        make_book(session, title="Tidak jadi")
        raise errors.BadRequest()

    with app.app_context(), pytest.raises(errors.BadRequest):
        db.write(work)
    assert calls == [1] and session.scalar(select(Book.title)) is None


def test_a_lost_race_named_in_retry_runs_the_work_again(app, session):
    book = make_book(session, isbn13="9786020332956")
    session.commit()
    calls = []

    def work(session):
        calls.append(1)
        if len(calls) == 1:  # the first run loses the race for the ISBN
            other = Book(title="Pesaing", authors=[], subjects=[])
            other.isbns.append(Isbn(isbn13="9786020332956"))
            session.add(other)
            session.flush()
        return session.scalar(select(Book.id).where(Book.title == book.title))

    with app.app_context():
        assert db.write(work, retry=(IntegrityError,)) == book.id
    assert len(calls) == 2 and session.scalar(select(Book.id).where(Book.title == "Pesaing")) is None


def test_write_requests_begin_as_writes_and_read_requests_do_not(app):
    """On SQLite a write request's transaction holds the write lock from its
    first statement (BEGIN IMMEDIATE); a read request's does not."""
    if app.extensions["pindai.engine"].dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    seen = {}
    for method in ("GET", "POST"):
        with app.test_request_context("/", method=method):
            session = db.get_session()
            session.execute(select(1))
            probe = sqlite3.connect(app.extensions["pindai.engine"].url.database, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                seen[method] = "free"
            except sqlite3.OperationalError as exc:
                seen[method] = str(exc)
            finally:
                probe.close()
            session.rollback()
    assert seen == {"GET": "free", "POST": "database is locked"}
