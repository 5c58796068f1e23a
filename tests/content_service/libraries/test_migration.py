"""Revision 0015 on a database with today's data: every copy, kiosk, event
and member ends up in the one default library, named by the setting, and
what the service writes afterwards lands there too."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text

from content_service import create_app
from content_service.db import get_engine, upgrade
from content_service.catalogue.models import Book, Item
from tests.conftest import PUBLIC_BASE_URL

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


def _seed_0011(conn) -> None:
    conn.execute(text("INSERT INTO book (id, title, authors, subjects, audience, created_at, updated_at) "
                      "VALUES (1, 'Laskar Pelangi', '[\"Andrea Hirata\"]', '[]', 'all', :t, :t)"), {"t": NOW})
    for n in (1, 2):
        conn.execute(text("INSERT INTO item (id, book_id, barcode, location, status, created_at) "
                          "VALUES (:n, 1, :b, 'Rak A1', 'available', :t)"), {"n": n, "b": f"B000{n}", "t": NOW})
    conn.execute(text("INSERT INTO kiosk (id, name, key_hash, created_at) VALUES (1, 'Lobi', 'h', :t)"), {"t": NOW})
    conn.execute(text(
        "INSERT INTO event (id, title, category, audience, starts_at, ends_at, cancelled_dates, "
        "registration_required, related_subjects, status, created_at, updated_at) VALUES "
        "(1, 'Dongeng Sabtu', 'storytelling', 'children', :t, :e, '[]', false, '[]', 'published', :t, :t)"),
        {"t": NOW, "e": NOW + timedelta(hours=1)})
    conn.execute(text("INSERT INTO patron (id, card_number, name, category, card_lost, fines, failed_pins, "
                      "created_at) VALUES (1, '1001', 'Siti', 'adult', false, 0, 0, :t)"), {"t": NOW})
    conn.execute(text("INSERT INTO staff_user (id, username, password_hash, role, active, created_at) "
                      "VALUES (1, 'ani', 'x', 'librarian', true, :t)"), {"t": NOW})


def test_today_s_data_moves_into_the_named_default_library(db_url, tmp_path):
    app = create_app({"ENV": "test", "TESTING": True, "DATABASE_URL": db_url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                      "MEDIA_ROOT": str(tmp_path / "media"), "DEFAULT_LIBRARY_NAME": "Perpustakaan Umum Batam"})
    with app.app_context():
        engine = get_engine()
        upgrade(engine, "0011")
        with engine.begin() as conn:
            _seed_0011(conn)
        runner = app.test_cli_runner()
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            libraries = conn.execute(text("SELECT id, code, name, is_default FROM library")).all()
            assert [(r.code, r.name, bool(r.is_default)) for r in libraries] == [
                ("kota", "Perpustakaan Umum Batam", True)]
            default_id = libraries[0].id
            for table, column in (("item", "library_id"), ("kiosk", "library_id"), ("event", "library_id"),
                                  ("patron", "home_library_id")):
                values = conn.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
                assert values and set(values) == {default_id}, table
            assert conn.execute(text("SELECT library_id FROM staff_user")).scalar() is None
        if engine.dialect.name == "postgresql":
            columns = {c["name"]: c for c in inspect(engine).get_columns("item")}
            assert columns["library_id"]["nullable"] is False
        session = app.extensions["pindai.sessionmaker"]()
        book = session.get(Book, 1)
        session.add(Item(id=3, book_id=book.id, barcode="B0003", status="available"))  # seeded ids bypass PG sequences
        session.commit()
        names = sorted({item.library.name for item in session.get(Book, 1).items})
        assert names == ["Perpustakaan Umum Batam"]
        session.close()
    engine.dispose()


def test_models_and_migrations_agree_on_the_library_columns(db_url, tmp_path):
    app = create_app({"ENV": "test", "DATABASE_URL": db_url, "MEDIA_ROOT": str(tmp_path / "m")})
    with app.app_context():
        engine = get_engine()
        upgrade(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("library")}
        assert {"id", "code", "name", "kind", "address", "is_default", "active", "created_at"} == columns
        assert {c["name"] for c in inspect(engine).get_columns("kiosk")} >= {"library_id"}
    engine.dispose()


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
