"""The visitor book at the kiosk in a real browser (Debian's Chromium through
Playwright) against a real content service and kiosk process: a guest types
a name and school on the on-screen keyboard (capitals at word starts, the
capitals key for "SMPN"), picks "Pelajar" and signs; a member signs by
scanning the library card, and scanning it again within the hour is thanked
but not counted. What the visitor reads is checked, the rows in the
service's database too; axe-core and screenshots in both orientations."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from content_service.circulation.models import Patron
from content_service.db import get_session
from content_service.visitors.models import Visit
from kiosk.app import KioskServer, create_app
from tests.kiosk.live import LiveService, kiosk_page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "kiosk"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)
SCREENS = {"landscape": {"width": 1920, "height": 1080}, "portrait": {"width": 1080, "height": 1920}}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("visitor-service"), media=False)
    with live.app.app_context():
        session = get_session()
        session.add(Patron(card_number="2171000077", name="Dewi Lestari", category="adult"))
        session.commit()
    yield live
    live.close()


@pytest.fixture(scope="module")
def kiosk(service):
    server = KioskServer(create_app({"SERVICE_URL": service.url, "KIOSK_KEY": service.key,
                                     "HEALTH_INTERVAL": 0.5, "EVENTS_ROTATE_SECONDS": 600})).start(scan=False)
    yield server
    server.stop()


def scan(page, kiosk, payload: str) -> None:
    page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                      headers={"Content-Type": "application/json"})


def keys(page, text: str) -> None:
    for ch in text:
        page.click(f"#visitor-keyboard button[data-key={json.dumps(ch)}]")


def signed(page, after: int = 0) -> dict:
    page.wait_for_function(f"Kiosk.marks.filter(m => m.name === 'visitor-signed').length > {after}", timeout=15_000)
    mark = page.evaluate("Kiosk.marks.filter(m => m.name === 'visitor-signed')").pop()
    return {key: mark[key] for key in ("kind", "counted", "today")}


def axe(page, name: str) -> None:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url="/vendor/axe.min.js")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


@pytest.mark.parametrize("orientation", list(SCREENS))
def test_a_guest_and_a_member_sign_the_visitor_book(browser, service, kiosk, orientation):
    with service.app.app_context():
        session = get_session()
        for row in session.scalars(select(Visit)):
            session.delete(row)
        session.commit()
    with kiosk_page(browser, kiosk.url, SCREENS[orientation]) as page:
        button = page.locator("#visitor-button")
        assert button.inner_text() == "Isi buku tamu"
        button.click()
        page.locator("#screen-visitor").wait_for()
        page.click("#visitor-send")  # nothing typed yet
        assert page.locator("#visitor-message").inner_text() == "Tulis nama Anda, atau pindai kartu anggota Anda."
        keys(page, "budi santoso")
        assert page.locator("#visitor-name").input_value() == "Budi Santoso"
        page.click("#visitor-institution")
        page.click("#visitor-keyboard button[data-key='caps']")
        keys(page, "smpn 3")
        page.click("#visitor-keyboard button[data-key='caps']")
        keys(page, " batam")
        assert page.locator("#visitor-institution").input_value() == "SMPN 3 Batam"
        page.click("#visitor-groups button[data-group='pelajar']")
        assert page.locator("#visitor-groups button[data-group='pelajar']").get_attribute("aria-pressed") == "true"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{orientation}-visitor.png"))
        axe(page, f"visitor book, {orientation}")
        send = page.locator("#visitor-send").bounding_box()
        assert send["y"] + send["height"] <= SCREENS[orientation]["height"], "Send is on the screen"
        page.click("#visitor-send")
        first = signed(page)
        assert first == {"kind": "guest", "counted": True, "today": 1}
        thanks = page.locator("#visitor-thanks").inner_text()
        assert thanks == "Terima kasih, Budi Santoso! Anda pengunjung ke-1 hari ini."
        page.locator("#screen-attract").wait_for(timeout=10_000)  # back to the start by itself

        page.click("#visitor-button")
        page.locator("#screen-visitor").wait_for()
        scan(page, kiosk, "2171000077")  # a member's library card
        member = signed(page, after=1)
        assert member == {"kind": "member", "counted": True, "today": 2}
        assert page.locator("#visitor-thanks").inner_text() == "Terima kasih! Anda pengunjung ke-2 hari ini."
        assert "Dewi" not in page.locator("body").inner_text() and "2171000077" not in page.locator("body").inner_text()
        page.locator("#screen-attract").wait_for(timeout=10_000)
        page.click("#visitor-button")
        scan(page, kiosk, "2171000077")  # again within the hour
        again = signed(page, after=2)
        assert again["counted"] is False and again["today"] == 2
        assert "dalam satu jam terakhir" in page.locator("#visitor-thanks").inner_text()
    with service.app.app_context():
        rows = get_session().execute(select(Visit.kind, Visit.name, Visit.institution, Visit.group, Visit.is_repeat)
                                     .order_by(Visit.id)).all()
    assert rows == [("guest", "Budi Santoso", "SMPN 3 Batam", "pelajar", False), ("member", None, None, None, False),
                    ("member", None, None, None, True)]
