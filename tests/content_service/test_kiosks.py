"""Kiosk keys and the scan log behind analytics."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from content_service.kiosks import create_kiosk
from content_service.kiosks.models import Kiosk, ScanLog
from tests.factories import make_book, make_code, make_item


def test_create_kiosk_command_prints_a_key_it_does_not_store(runner, session):
    result = runner.invoke(args=["create-kiosk", "Ruang Anak 1", "--location", "Lantai 1 · Ruang Anak"])
    assert result.exit_code == 0, result.output
    key = result.output.splitlines()[1].strip()
    assert len(key) >= 40
    kiosk = session.scalars(select(Kiosk)).one()
    assert kiosk.key_hash != key and key not in kiosk.key_hash
    again = runner.invoke(args=["create-kiosk", "Ruang Anak 1"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_kiosk_scans_are_logged_and_wrong_keys_refused(client, session):
    book = make_book(session, title="Bumi")
    item = make_item(session, book)
    code = make_code(session, item)
    kiosk, key = create_kiosk(session, "Lobi")
    session.commit()
    auth = {"Authorization": f"Bearer {key}"}
    for _ in range(2):  # the second answer comes from the cache and is logged too
        assert client.get("/api/v1/resolve", query_string={"payload": code}, headers=auth).status_code == 200
    assert client.get("/api/v1/resolve", query_string={"payload": "hello"}, headers=auth).status_code == 422
    logs = session.scalars(select(ScanLog).order_by(ScanLog.id)).all()
    assert [(l.channel, l.kiosk_id, l.book_id, l.item_id, l.outcome) for l in logs] == [
        ("kiosk", kiosk.id, book.id, item.id, "ok"),
        ("kiosk", kiosk.id, book.id, item.id, "ok"),
        ("kiosk", kiosk.id, None, None, "not_ours"),
    ]
    session.refresh(kiosk)
    assert kiosk.last_seen_at is not None

    for header in ("Bearer wrong-key", "Basic abc", "Bearer "):
        res = client.get("/api/v1/resolve", query_string={"payload": code}, headers={"Authorization": header})
        assert res.status_code == 401 and res.get_json()["error"]["code"] == "bad_kiosk_key"
    kiosk.retired_at = datetime.now(timezone.utc)
    session.commit()
    assert client.get("/api/v1/resolve", query_string={"payload": code}, headers=auth).status_code == 401
    # Anonymous reading stays open and is not logged as a kiosk scan.
    assert client.get("/api/v1/resolve", query_string={"payload": code}).status_code == 200
    assert session.query(ScanLog).count() == 3


def test_label_page_visits_are_logged_as_phone_scans(client, session):
    book = make_book(session)
    code = make_code(session, book)
    session.commit()
    assert client.get(f"/q/{code}").status_code == 200
    log = session.scalars(select(ScanLog)).one()
    assert (log.channel, log.book_id, log.code, log.outcome) == ("phone", book.id, code, "ok")
