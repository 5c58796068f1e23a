"""The union catalogue at the kiosk in a real browser: a book whose copies are
in two libraries of the network says how many each has and how many are on
the shelf, the kiosk's own library first; a book in one library does not
clutter the screen with it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from content_service.catalogue.models import Book
from content_service.db import get_session
from kiosk.app import KioskServer, create_app
from tests.factories import make_item, make_library
from tests.kiosk.live import LiveService, kiosk_page

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "kiosk"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("branches-service"), media=False)
    with live.app.app_context():
        session = get_session()
        school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
        laskar = session.scalars(select(Book).where(Book.title == "Laskar Pelangi")).one()
        for _ in range(2):
            make_item(session, laskar, library_id=school.id, location="Rak Fiksi")
        session.commit()
    yield live
    live.close()


def test_the_book_screen_says_which_library_has_the_copies(browser, service):
    server = KioskServer(create_app({"SERVICE_URL": service.url, "KIOSK_KEY": service.key,
                                     "HEALTH_INTERVAL": 0.5})).start(scan=False)
    try:
        with kiosk_page(browser, server.url, {"width": 1920, "height": 1080}) as page:
            laskar = next(code for code, title in service.samples if title == "Laskar Pelangi")
            page.request.post(server.url + "/k/scan", data=json.dumps({"payload": service.label(laskar)}),
                              headers={"Content-Type": "application/json"})
            page.wait_for_function("document.getElementById('book-title').textContent === 'Laskar Pelangi'")
            lines = page.locator("#book-libraries li").all_inner_texts()
            assert len(lines) == 2, lines
            assert lines[0] == "4 eksemplar di Perpustakaan Kota Batam · 4 di rak"  # the kiosk's own library first
            assert lines[1] == "2 eksemplar di Perpustakaan SMPN 3 Batam · 2 di rak"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "book-two-libraries.png"))
            other = next(code for code, title in service.samples if title != "Laskar Pelangi")
            page.request.post(server.url + "/k/scan", data=json.dumps({"payload": service.label(other)}),
                              headers={"Content-Type": "application/json"})
            page.wait_for_function("document.getElementById('book-title').textContent !== 'Laskar Pelangi'")
            assert page.locator("#book-libraries li").count() == 0
    finally:
        server.stop()
