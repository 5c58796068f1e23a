"""Revision 0019 on a database with phone registrations made before it: each
keeps its place and is found again by the same name and number, while a
sibling with the same number now gets a seat of their own."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import DateTime, bindparam, text

from content_service import create_app
from content_service.db import get_engine, get_session, upgrade
from content_service.events import registration, schedule
from content_service.events.models import Event
from tests.conftest import PUBLIC_BASE_URL


def _sql(statement: str):
    # Times bound as the models bind them (SQLite keeps them as text in one format).
    return text(statement).bindparams(*(bindparam(name, type_=DateTime(timezone=True))
                                        for name in ("s", "e") if f":{name}" in statement))


def _seed_0016(conn, start) -> None:
    conn.execute(_sql(
        "INSERT INTO event (id, title, category, audience, starts_at, ends_at, cancelled_dates, "
        "registration_required, capacity, related_subjects, status, library_id, created_at, updated_at) VALUES "
        "(1, 'Cerita di Pagi Hari', 'storytelling', 'children', :s, :e, '[]', true, 10, '[]', 'published', "
        "(SELECT id FROM library WHERE is_default), :s, :s)"), {"s": start, "e": start + timedelta(hours=1)})
    conn.execute(_sql("INSERT INTO event_occurrence (id, event_id, starts_at, lock_version) VALUES (1, 1, :s, 1)"),
                 {"s": start})
    rows = [(1, "confirmed", 1, "phone:6281270001234", "Siti Aminah", "6281270001234", "t-siti"),
            (2, "confirmed", 2, "card:BK0001", None, None, "t-card"),
            (3, "cancelled", None, "phone:6281300000001", "Budi", "6281300000001", "t-budi")]
    for row_id, status, seat, identity, name, phone, token in rows:
        conn.execute(_sql(
            "INSERT INTO registration (id, occurrence_id, status, seat, identity, card_number, name, phone, token, "
            "channel, created_at) VALUES (:id, 1, :status, :seat, :identity, :card, :name, :phone, :token, "
            "'phone', :s)"),
            {"id": row_id, "status": status, "seat": seat, "identity": identity, "name": name, "phone": phone,
             "token": token, "card": "BK0001" if identity.startswith("card:") else None, "s": start})


def test_phone_registrations_made_before_0019_are_the_same_people_after(db_url, tmp_path):
    app = create_app({"ENV": "test", "TESTING": True, "DATABASE_URL": db_url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                      "MEDIA_ROOT": str(tmp_path / "media")})
    start = (schedule.now() + timedelta(days=3)).replace(microsecond=0)
    with app.app_context():
        engine = get_engine()
        upgrade(engine, "0016")
        with engine.begin() as conn:
            _seed_0016(conn, start)
        upgrade(engine)
        with engine.connect() as conn:
            identities = dict(conn.execute(text("SELECT token, identity FROM registration")).all())
        assert identities["t-siti"] == f"phone:6281270001234:{registration.name_key('Siti Aminah')}"
        assert identities["t-card"] == "card:BK0001"
        session = get_session()
        event = session.get(Event, 1)
        with pytest.raises(registration.AlreadyRegistered) as again:  # the same child, typed again
            registration.register(session, event, start, name="siti aminah", phone="0812 7000 1234")
        assert again.value.details["token"] == "t-siti"
        brother = registration.register(session, event, start, name="Andi", phone="0812 7000 1234")
        assert (brother.status, brother.seat) == ("confirmed", 3)
        session.close()
