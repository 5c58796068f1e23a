"""Repeat scans: the same code by the same kiosk or phone within the window is
one use. Every scan stays in the log; repeats are marked and left out of the
analytics (on SQLite and on PostgreSQL alike: the ``session`` fixture runs on both)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from content_service.clock import utcnow
from content_service.kiosks import REPEAT_WINDOW, create_kiosk, is_repeat
from content_service.kiosks.models import ScanLog
from content_service.staff.analytics import build_report
from tests.factories import make_book, make_code, make_item


def _logs(session) -> list[tuple]:
    session.expire_all()
    return [(log.channel, log.kiosk_id, log.code, log.outcome, log.is_repeat)
            for log in session.scalars(select(ScanLog).order_by(ScanLog.id))]


def test_a_kiosk_reading_the_same_label_again_is_one_use(client, session):
    book = make_book(session, title="Laskar Pelangi")
    first, other = make_code(session, make_item(session, book)), make_code(session, make_item(session, book))
    anak, anak_key = create_kiosk(session, "Kios Anak")
    lobi, lobi_key = create_kiosk(session, "Kios Lobi")
    session.commit()

    def scan(key, payload):
        return client.get("/api/v1/resolve", query_string={"payload": payload},
                          headers={"Authorization": f"Bearer {key}"}).status_code

    assert [scan(anak_key, first), scan(anak_key, first), scan(anak_key, first)] == [200, 200, 200]
    assert scan(lobi_key, first) == 200  # another kiosk: another use
    assert scan(anak_key, other) == 200  # another copy's label: another use
    assert scan(anak_key, "hello") == 422  # failures are counted as failures, never as repeats
    assert scan(anak_key, "hello") == 422
    assert _logs(session) == [
        ("kiosk", anak.id, first, "ok", False), ("kiosk", anak.id, first, "ok", True),
        ("kiosk", anak.id, first, "ok", True), ("kiosk", lobi.id, first, "ok", False),
        ("kiosk", anak.id, other, "ok", False), ("kiosk", anak.id, None, "not_ours", False),
        ("kiosk", anak.id, None, "not_ours", False),
    ]
    today = utcnow().date()
    report = build_report(session, today - timedelta(days=1), today + timedelta(days=1))
    assert report.total == 3 and report.repeats == 2
    assert report.books == [(book.id, "Laskar Pelangi", 3)]
    assert sorted(report.kiosks) == [("Kios Anak", 2), ("Kios Lobi", 1)]
    assert sum(report.hours) == 3 and sum(day[3] for day in report.days) == 2


def test_the_window_runs_from_the_last_scan(session):
    book = make_book(session)
    kiosk, _ = create_kiosk(session, "Kios Anak")
    session.commit()
    now = utcnow()

    def logged(minutes_ago, **fields):
        row = {"channel": "kiosk", "kiosk_id": kiosk.id, "code": "ABCD2345", "book_id": book.id, "outcome": "ok",
               **fields}
        session.add(ScanLog(at=now - timedelta(minutes=minutes_ago), **row))
        session.commit()

    def repeats(**fields):
        who = {"kiosk_id": kiosk.id, "client": None, "code": "ABCD2345", "book_id": book.id, **fields}
        return is_repeat(session, now, **who)

    assert REPEAT_WINDOW == timedelta(minutes=10)
    logged(11)
    assert not repeats()  # more than ten minutes ago: a new use
    logged(25, code="WXYZ6789")
    logged(9, outcome="not_ours")
    assert not repeats()  # a failed read is not a use to repeat
    logged(9, is_repeat=True)
    assert repeats()  # a run of scans with no ten-minute pause is one use
    assert not repeats(code="WXYZ6789")
    assert not repeats(kiosk_id=None, client="a1b2c3d4e5f6a7b8")  # a phone is not the kiosk
    # An ISBN scan has no code: the same book by the same kiosk is the repeat.
    logged(2, code=None, via="isbn")
    assert repeats(code=None) and not repeats(code=None, book_id=book.id + 1)


def test_a_phone_reopening_a_label_page_is_one_use(client, session):
    book = make_book(session)
    code = make_code(session, book)
    session.commit()
    same = {"User-Agent": "Mozilla/5.0 (Android 14; Mobile) Firefox/133.0"}
    assert client.get(f"/q/{code}", headers=same).status_code == 200
    assert client.get(f"/q/{code}", headers=same).status_code == 200
    assert client.get(f"/q/{code}", headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari/605"}).status_code == 200
    assert [row[-1] for row in _logs(session)] == [False, True, False]
    clients = [log.client for log in session.scalars(select(ScanLog).order_by(ScanLog.id))]
    assert clients[0] == clients[1] != clients[2] and len(clients[0]) == 16
    assert "127.0.0.1" not in clients[0]


def test_a_phones_key_changes_every_day(app):
    from content_service.kiosks import client_key

    with app.test_request_context("/q/ABCD2345", headers={"User-Agent": "Firefox"}):
        assert client_key(date(2026, 12, 3)) == client_key(date(2026, 12, 3)) != client_key(date(2026, 12, 4))
