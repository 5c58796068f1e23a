"""Configuration, migrations and the demo seed."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from content_service import config, create_app
from content_service.db import Base, make_engine, upgrade
from content_service.catalogue.models import Asset, Book, Item
from content_service.codes.models import Code
from content_service.search.postgres_schema import include_name


def _added_in_place_on_sqlite(change) -> bool:
    """Migration 0015 adds the library columns in place on SQLite, where ALTER
    TABLE cannot add NOT NULL or a named foreign key (rebuilding ``item`` would
    trip its loans' and codes' foreign keys): those, and only those, differ from
    the models there; PostgreSQL gets the full constraints and is compared whole."""
    columns = {("item", "library_id"), ("kiosk", "library_id"), ("event", "library_id"),
               ("patron", "home_library_id")}
    first = change[0] if isinstance(change, list) else change
    if first[0] == "modify_nullable":
        return (first[2], first[3]) in columns and first[5] is True and first[6] is False
    if first[0] in ("add_fk", "remove_fk"):
        fk = first[1]
        return (fk.parent.name, tuple(fk.column_keys)) in {(t, (c,)) for t, c in columns | {("staff_user", "library_id")}}
    return False


def test_migrations_build_the_schema_the_models_describe(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        upgrade(engine)  # a second run is a no-op
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True,
                                                                          "include_name": include_name}), Base.metadata)
        if engine.dialect.name == "sqlite":
            diff = [d for d in diff if not _added_in_place_on_sqlite(d)]
        assert diff == []
        assert {"book", "isbn", "item", "code", "asset", "alembic_version"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_init_db_command(db_url, tmp_path):
    app = create_app({"ENV": "test", "DATABASE_URL": db_url, "MEDIA_ROOT": str(tmp_path)})
    try:
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0 and "latest schema" in result.output
        assert "item" in inspect(app.extensions["pindai.engine"]).get_table_names()
    finally:
        app.extensions["pindai.engine"].dispose()


def test_one_open_code_per_value_is_a_database_constraint(session):
    from sqlalchemy.exc import IntegrityError

    session.add(Code(code="ABCD2345", target_type="item", target_id=1))
    session.commit()
    session.add(Code(code="ABCD2345", target_type="book", target_id=2))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_secret_key_required_outside_dev_and_test(monkeypatch):
    monkeypatch.delenv("PINDAI_SECRET_KEY", raising=False)
    monkeypatch.delenv("PINDAI_ENV", raising=False)
    with pytest.raises(config.ConfigError, match="PINDAI_SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})
    with pytest.raises(config.ConfigError, match="too short"):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "s3cret"})
    key = "k" * 32
    assert create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": key}).config["SECRET_KEY"] == key
    assert create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "s3cret", "ENV": "development"}).config["SECRET_KEY"]
    assert create_app({"DATABASE_URL": "sqlite://", "ENV": "development"}).config["SECRET_KEY"]


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("PINDAI_ENV", "test")
    monkeypatch.setenv("PINDAI_PUBLIC_BASE_URL", "https://perpustakaan.batam.go.id/")
    monkeypatch.setenv("PINDAI_API_PAGE_SIZE", "7")
    monkeypatch.setenv("PINDAI_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    app = create_app()
    assert app.config["PUBLIC_BASE_URL"] == "https://perpustakaan.batam.go.id"
    assert app.config["API_PAGE_SIZE"] == 7
    monkeypatch.setenv("PINDAI_API_PAGE_SIZE", "seven")
    with pytest.raises(config.ConfigError, match="PINDAI_API_PAGE_SIZE"):
        create_app()


def test_seed_demo_is_idempotent_and_serves_pages(app, runner, client, session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "46 new" in first.output
    counts = [session.scalar(select(func.count()).select_from(t)) for t in (Book, Item, Code, Asset)]
    second = runner.invoke(args=["seed-demo"])
    assert "0 new" in second.output and "46 unchanged" in second.output
    assert [session.scalar(select(func.count()).select_from(t)) for t in (Book, Item, Code, Asset)] == counts
    languages = dict(session.execute(select(Book.language, func.count()).group_by(Book.language)).all())
    assert languages["id"] >= 15 and languages["en"] >= 15
    assert session.scalar(select(func.count()).where(Book.audience == "children")) >= 10
    url = next(line.split()[0] for line in first.output.splitlines() if "/q/" in line)
    page = client.get(url.replace("https://pindai.example.id", ""))
    assert page.status_code == 200 and "Laskar Pelangi" in page.get_data(as_text=True)
    body = client.get("/api/v1/resolve", query_string={"payload": url}).get_json()
    cover = client.get(body["book"]["cover_url"].replace("http://localhost", ""))
    assert cover.status_code == 200 and cover.mimetype == "image/png"


def test_migration_0025_keeps_every_extra_its_file_and_plays(db_url):
    """0025 changes asset's kind constraint: SQLite rebuilds the table, and its
    children (asset_file, asset_play: ON DELETE CASCADE) must come through;
    the new kinds are accepted after it, a second link to the same address refused,
    and a downgrade gives the old table back."""
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from content_service.db import alembic_config

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0022")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO book (id, title, authors, subjects, audience, created_at, updated_at) "
                              "VALUES (1, 'B', '[]', '[]', 'all', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO asset (id, book_id, kind, title, language, audience, position, media_hash, "
                              "published, created_at) VALUES (1, 1, 'image', 'x', 'both', 'all', 1, 'ab', true, "
                              "CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO asset_file (asset_id, size_bytes) VALUES (1, 5)"))
            conn.execute(text("INSERT INTO asset_play (at, asset_id, channel) VALUES (CURRENT_TIMESTAMP, 1, 'phone')"))
        upgrade(engine)
        online = ("INSERT INTO asset (id, book_id, kind, title, language, audience, position, url, provider, published, "
                  "created_at) VALUES (:id, 1, 'online', 'i', 'both', 'all', 2, 'https://ipusnas.id/b', 'iPusnas', true, "
                  "CURRENT_TIMESTAMP)")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM asset_file")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM asset_play")).scalar() == 1
            conn.execute(text(online), {"id": 2})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(online), {"id": 3})
        command.downgrade(alembic_config(engine), "0022")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT kind FROM asset")).scalars().all() == ["image"]
            assert conn.execute(text("SELECT count(*) FROM asset_file")).scalar() == 1
    finally:
        engine.dispose()
