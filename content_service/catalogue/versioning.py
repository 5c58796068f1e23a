"""Catalogue versioning and the answer cache built on it.

Every ORM write to a table a resolve answer is made of bumps
``catalogue_state.version`` in the same transaction, so a cached answer is
reused only while the catalogue is exactly as it was when it was made,
across every gunicorn worker. Writes that bypass the ORM must call ``bump``.

``init_app`` installs the bumping listeners on the app's own sessionmaker
(not on every ``Session`` in the process) and puts the app's answer cache
and version probe in ``app.extensions``."""
from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict

from flask import Flask
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from ..codes.models import Code
from .models import Asset, Book, CatalogueState, Isbn, Item

WATCHED = (Book, Isbn, Item, Code, Asset)
_WATCHED_TABLES = {model.__table__ for model in WATCHED}


def bump(session: Session) -> None:
    """Mark the catalogue as changed (inside the session's transaction)."""
    result = session.execute(update(CatalogueState).where(CatalogueState.id == 1).values(version=CatalogueState.version + 1))
    if result.rowcount == 0:
        session.execute(insert(CatalogueState).values(id=1, version=1))


def current(session: Session) -> int:
    return session.scalar(select(CatalogueState.version).where(CatalogueState.id == 1)) or 0


class VersionProbe:
    """Reads the catalogue version for the answer cache's hit path.

    On SQLite it first asks the file whether anything was committed since
    its last look (``PRAGMA data_version``, a few microseconds, on a
    read-only connection per thread) and reads the table only when so.
    Elsewhere it reads the table on a raw pooled connection, outside a
    transaction (autocommit for the one statement)."""

    def __init__(self, engine):
        self.engine = engine
        self.local = threading.local()
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self.sqlite_path = database if database and database != ":memory:" else None

    def current(self) -> int:
        if self.sqlite_path:
            return self._sqlite()
        connection = self.engine.raw_connection()
        try:
            driver = connection.driver_connection
            # One statement outside a transaction: no BEGIN and COMMIT around
            # it (two round trips fewer on every cached answer on PostgreSQL).
            autocommit = getattr(driver, "autocommit", None)
            if autocommit is False:
                driver.autocommit = True
            try:
                cursor = connection.cursor()
                cursor.execute("SELECT version FROM catalogue_state WHERE id = 1")
                row = cursor.fetchone()
                cursor.close()
            finally:
                if autocommit is False:
                    driver.autocommit = False
            if autocommit is None:
                connection.commit()  # end the read transaction before the connection goes back
            return row[0] if row else 0
        finally:
            connection.close()

    def _sqlite(self) -> int:
        local = self.local
        if getattr(local, "connection", None) is None:
            local.connection = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, isolation_level=None,
                                               check_same_thread=False)
            local.data_version = None
        data_version = local.connection.execute("PRAGMA data_version").fetchone()[0]
        if data_version != local.data_version:
            row = local.connection.execute("SELECT version FROM catalogue_state WHERE id = 1").fetchone()
            local.version, local.data_version = (row[0] if row else 0), data_version
        return local.version


def _touches_catalogue(session: Session) -> bool:
    return any(isinstance(obj, WATCHED) for group in (session.new, session.dirty, session.deleted) for obj in group)


# Bumped on every flush that writes the catalogue (not once per transaction:
# a savepoint rolled back would take a once-only bump with it).
def _bump_on_flush(session: Session, _context, _instances) -> None:
    if _touches_catalogue(session):
        bump(session)


def _bump_on_bulk_dml(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and getattr(state.statement, "table", None) in _WATCHED_TABLES:
        bump(state.session)


class AnswerCache:
    """A small thread-safe LRU of finished answers, keyed with the catalogue
    version: entries of an older version are simply never asked for again."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


def init_app(app: Flask) -> None:
    """Bump the version on every catalogue write of the app's sessions, and
    give the app its answer cache and version probe (called by the
    application factory, after ``db``)."""
    maker = app.extensions["pindai.sessionmaker"]
    event.listen(maker, "before_flush", _bump_on_flush)
    event.listen(maker, "do_orm_execute", _bump_on_bulk_dml)
    app.extensions["pindai.answers"] = AnswerCache(app.config["ANSWER_CACHE_SIZE"])
    app.extensions["pindai.version"] = VersionProbe(app.extensions["pindai.engine"])
