"""Dashboard numbers against seeded scan logs and plays (days and hours in WIB)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from content_service import kiosks
from content_service.kiosks.models import ScanLog
from content_service.staff.analytics import bar_chart, build_report
from content_service.staff.models import AssetPlay
from tests.factories import make_asset, make_book


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def seeded(session):
    """Scans on 1-3 March 2026 (WIB), two kiosks and phones, plus plays."""
    laskar = make_book(session, title="Laskar Pelangi")
    bumi = make_book(session, title="Bumi Manusia")
    anak, lobi = kiosks.create_kiosk(session, "Kios Anak")[0], kiosks.create_kiosk(session, "Kios Lobi")[0]
    rows = [
        # 2026-03-01 09:xx WIB = 02:xx UTC
        (utc(2026, 3, 1, 2, 5), "kiosk", anak, laskar, "ok"),
        (utc(2026, 3, 1, 2, 40), "kiosk", anak, laskar, "ok"),
        (utc(2026, 3, 1, 2, 41), "kiosk", anak, None, "not_ours"),
        (utc(2026, 3, 1, 3, 10), "phone", None, bumi, "ok"),
        # 2026-03-02 00:30 WIB is still 1 March in UTC (17:30): it counts on the 2nd, hour 0
        (utc(2026, 3, 1, 17, 30), "kiosk", lobi, bumi, "ok"),
        # 2026-03-03 16:00 WIB
        (utc(2026, 3, 3, 9, 0), "phone", None, laskar, "ok"),
        (utc(2026, 3, 3, 9, 1), "kiosk", lobi, laskar, "ok"),
        # outside the range: 28 Feb 23:59 WIB, 4 March 00:00 WIB
        (utc(2026, 2, 28, 16, 59), "kiosk", anak, laskar, "ok"),
        (utc(2026, 3, 3, 17, 0), "kiosk", anak, laskar, "ok"),
    ]
    for at, channel, kiosk, book, outcome in rows:
        session.add(ScanLog(at=at, channel=channel, kiosk_id=kiosk.id if kiosk else None, book_id=book.id if book else None,
                            outcome=outcome))
    video = make_asset(session, laskar, kind="video", title="Trailer", media_hash="a" * 64, url=None)
    for at, channel, kiosk in [(utc(2026, 3, 1, 2, 6), "kiosk", anak), (utc(2026, 3, 2, 5, 0), "phone", None),
                               (utc(2026, 3, 2, 6, 0), "phone", None), (utc(2026, 3, 5, 6, 0), "phone", None)]:
        session.add(AssetPlay(at=at, asset_id=video.id, channel=channel, kiosk_id=kiosk.id if kiosk else None))
    session.commit()
    return {"laskar": laskar, "bumi": bumi, "video": video}


def test_report_counts_by_local_day_hour_book_kiosk_and_plays(session, seeded):
    report = build_report(session, date(2026, 3, 1), date(2026, 3, 3))
    assert report.days == [("2026-03-01", 2, 1, 1), ("2026-03-02", 1, 0, 0), ("2026-03-03", 1, 1, 0)]
    assert report.total == 6
    assert report.books == [(seeded["laskar"].id, "Laskar Pelangi", 4), (seeded["bumi"].id, "Bumi Manusia", 2)]
    assert sorted(report.kiosks, key=lambda r: r[0]) == [("", 2), ("Kios Anak", 2), ("Kios Lobi", 2)]
    expected_hours = [0] * 24
    expected_hours[9], expected_hours[10], expected_hours[0], expected_hours[16] = 2, 1, 1, 2
    assert report.hours == expected_hours
    assert report.plays == [(seeded["video"].id, "video", "Trailer", "Laskar Pelangi", 1, 2)]


def test_dashboard_page_and_csv(staff_client, seeded):
    client, _ = staff_client("editor")
    page = client.get("/staff/analytics?days=3&end=2026-03-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-total="6"' in html and 'data-label="03-01" data-value="3"' in html
    assert html.count('class="part"') == 2  # phone shares on 1 and 3 March
    assert 'data-label="09" data-value="2"' in html and "Kios Anak" in html and "Trailer" in html
    res = client.get("/staff/analytics.csv?table=days&days=3&end=2026-03-03")
    assert res.mimetype == "text/csv" and "attachment" in res.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(res.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["day", "kiosk_scans", "phone_scans", "failed_scans"], ["2026-03-01", "2", "1", "1"],
                    ["2026-03-02", "1", "0", "0"], ["2026-03-03", "1", "1", "0"]]
    books = list(csv.reader(io.StringIO(client.get("/staff/analytics.csv?table=books&days=3&end=2026-03-03")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert books[1][1:] == ["Laskar Pelangi", "4"]
    for bad in ("table=secrets", "days=0", "days=x", "end=yesterday"):
        assert client.get(f"/staff/analytics.csv?{bad}").status_code == 400


def test_csv_cells_cannot_become_formulas(staff_client, session):
    book = make_book(session, title="=HYPERLINK(\"http://evil.example\")")
    session.add(ScanLog(channel="phone", book_id=book.id, outcome="ok"))
    session.commit()
    client, _ = staff_client("editor")
    body = client.get("/staff/analytics.csv?table=books&days=1").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_bar_chart_is_plain_svg():
    svg = bar_chart(["a", "<b>"], [3, 0], title="T & U")
    assert svg.startswith("<svg") and "<b>" not in svg and "&lt;b&gt;" in svg and svg.count('class="bar"') == 2


def test_repeat_scans_are_left_out_and_said_so(staff_client, session, seeded):
    # Two more reads of Laskar Pelangi at Kios Anak on 1 March, marked as repeats when logged.
    first = session.scalars(select(ScanLog).where(ScanLog.at == utc(2026, 3, 1, 2, 5))).one()
    for minute in (7, 9):
        session.add(ScanLog(at=utc(2026, 3, 1, 2, minute), channel="kiosk", kiosk_id=first.kiosk_id,
                            book_id=seeded["laskar"].id, outcome="ok", is_repeat=True))
    session.commit()
    report = build_report(session, date(2026, 3, 1), date(2026, 3, 3))
    assert report.total == 6 and report.repeats == 2  # as before the repeats
    assert report.books[0] == (seeded["laskar"].id, "Laskar Pelangi", 4)
    client, _ = staff_client("editor")
    html = client.get("/staff/analytics?days=3&end=2026-03-03").get_data(as_text=True)
    assert 'data-total="6"' in html and 'data-repeats="2"' in html
    assert "2 pindaian ulang tidak dihitung" in html and "dalam 10 menit" in html
