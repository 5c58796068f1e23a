"""Database wiring: one engine and one sessionmaker per app, a session per
request (closed on teardown), ``write`` (the one way to run a write
transaction that may meet another writer), and the Alembic-backed
``init-db`` command.

Writers wait for each other instead of failing. SQLite allows one writer at a
time, and a transaction that read first and writes later fails at once
("database is locked") when another writer committed in between: waiting on
the busy timeout cannot help it. So every write transaction on SQLite begins
with ``BEGIN IMMEDIATE`` (the write lock first, waiting up to
``SQLITE_BUSY_SECONDS`` for it): the transactions of write requests (POST,
PUT, PATCH, DELETE) and of CLI commands, and those ``write`` runs.
PostgreSQL's row locks make writers wait by themselves; what is left there,
a serialisation failure or a deadlock, ``write`` retries."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from flask import Flask, current_app, g, has_request_context, request
from flask.cli import with_appcontext
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# How long a SQLite writer waits for another to finish before giving up.
SQLITE_BUSY_SECONDS = 30
# How many times ``write`` runs its work before a transient failure is final.
WRITE_ATTEMPTS = 8
# The execution option that makes a SQLite transaction begin IMMEDIATE.
_WRITE = WRITE_OPTION = "pindai_write"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# PostgreSQL: serialization_failure, deadlock_detected. Both succeed when run again.
_TRANSIENT_SQLSTATES = ("40001", "40P01")
T = TypeVar("T")


class Base(DeclarativeBase):
    """Declarative base of every Pindai table."""


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout so
    gunicorn workers and CLI commands can share one file, and write
    transactions that begin IMMEDIATE (see the module docstring)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy, not the sqlite3 module, issue BEGIN: the
            # module's own transaction handling breaks SAVEPOINTs.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


def database_url(app: Flask) -> str:
    url = app.config.get("DATABASE_URL")
    if url:
        return url
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'pindai.db'}"


def init_app(app: Flask) -> None:
    engine = make_engine(database_url(app))
    app.extensions["pindai.engine"] = engine
    app.extensions["pindai.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    app.cli.add_command(init_db_command)


def get_engine() -> Engine:
    return current_app.extensions["pindai.engine"]


def get_session() -> Session:
    """The session of the current request (or app context), opened lazily.
    A write request's (or a CLI command's) transactions begin as writes."""
    if "db_session" not in g:
        writing = request.method not in _SAFE_METHODS if has_request_context() else _in_command()
        g.db_session = current_app.extensions["pindai.sessionmaker"](
            execution_options={_WRITE: True} if writing else {})
    return g.db_session


def _in_command() -> bool:
    # Operator commands write (imports, seeding, patrons) while the service runs.
    return click.get_current_context(silent=True) is not None


def write(work: Callable[[Session], T], session: Session | None = None, *,
          keep: tuple[type[BaseException], ...] = (), retry: tuple[type[BaseException], ...] = ()) -> T:
    """Run ``work(session)`` as one write transaction of its own, commit it,
    and return what ``work`` returned.

    What the session holds is committed first, so the transaction begins
    fresh, as a write (``BEGIN IMMEDIATE`` on SQLite). A transient failure
    ("database is locked" after the busy timeout, a serialisation failure or
    deadlock on PostgreSQL), or one of the ``retry`` exceptions (a race lost
    on a unique constraint), rolls back and runs ``work`` again from the
    start, up to ``WRITE_ATTEMPTS`` times: ``work`` must touch the database
    only through the session it is given. A ``keep`` exception (a refusal
    whose record must stay, such as a wrong PIN's count) is committed and
    then raised; anything else rolls back and is raised."""
    session = session if session is not None else get_session()
    for attempt in range(WRITE_ATTEMPTS):
        session.commit()
        session.connection(execution_options={_WRITE: True})
        kept: BaseException | None = None
        try:
            try:
                result = work(session)
            except keep as exc:
                kept = exc
            session.commit()
        except BaseException as exc:
            session.rollback()
            if attempt == WRITE_ATTEMPTS - 1 or not (is_transient(exc) or isinstance(exc, retry)):
                raise
            time.sleep(random.uniform(0.002, 0.01) * (attempt + 1))  # spread the retries of racing writers
            continue
        if kept is not None:
            raise kept
        return result
    raise AssertionError("unreachable")


def is_transient(exc: BaseException) -> bool:
    """Whether a database error only says "another writer was in the way"."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database is busy" in text


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def alembic_config(engine: Engine, **attributes):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    cfg.attributes.update(attributes)
    return cfg


def upgrade(engine: Engine, revision: str = "heads", **attributes) -> None:
    """Apply the Alembic migrations up to ``revision``. "heads" keeps a
    feature's own branch working until a merge revision joins it.
    ``attributes`` reach the revisions (``default_library_name``)."""
    from alembic import command

    command.upgrade(alembic_config(engine, **attributes), revision)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    engine = get_engine()
    upgrade(engine, default_library_name=current_app.config.get("DEFAULT_LIBRARY_NAME"))
    click.echo(f"Database is at the latest schema: {engine.url.render_as_string(hide_password=True)}")
