"""Database wiring: one engine and one sessionmaker per app, a session per
request (closed on teardown), and the Alembic-backed ``init-db`` command."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every Pindai table."""


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout so
    gunicorn workers and CLI commands can share one file."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

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
            conn.exec_driver_sql("BEGIN")

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
    """The session of the current request (or app context), opened lazily."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["pindai.sessionmaker"]()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply the Alembic migrations up to ``revision``. "heads" keeps a
    feature's own branch working until a merge revision joins it."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    engine = get_engine()
    upgrade(engine)
    click.echo(f"Database is at the latest schema: {engine.url.render_as_string(hide_password=True)}")
