"""E-books and online resources on the kiosk (Debian's Chromium, the kiosk on
its own origin): the book screen does not become a reader. It says "Baca
e-book di ponsel" with a QR code that, read back by the kiosk's own decoder
from a screenshot, is the book's phone page at its reading section; each
online resource is a "Juga di iPusnas" QR of its address."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.app import KioskServer, create_app
from kiosk.scan import decode
from tests.content_service.staff import samples
from tests.kiosk.live import LiveService, expose_core

pytestmark = pytest.mark.browser

if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)

VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("service"), media=False)
    yield live
    live.close()


@pytest.fixture
def kiosk(service):
    server = KioskServer(create_app({"SERVICE_URL": service.url, "KIOSK_KEY": service.key,
                                     "HEALTH_INTERVAL": 0.5})).start(scan=False)
    yield server
    server.stop()


def test_the_book_screen_shows_qr_codes_to_read_on_a_phone(service, kiosk, page):
    from content_service.catalogue.models import Asset, Item
    from content_service.codes import lookup_code
    from content_service.db import get_session
    from content_service.media import checks, storage

    code, _title = service.samples[1]
    with service.app.app_context():
        session = get_session()
        book_id = session.get(Item, lookup_code(session, code).target_id).book_id
        checked = checks.check("ebook", samples.epub())
        session.add(Asset(book_id=book_id, kind="ebook", title="E-book", media_hash=storage().put(checked.data),
                          media_type=checked.media_type, language="both", audience="all"))
        session.add(Asset(book_id=book_id, kind="online", title="iPusnas", url="https://ipusnas.id/buku/123",
                          provider="iPusnas", language="both", audience="all"))
        session.commit()
    page.goto(kiosk.url + "/")
    expose_core(page)
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'connected')")
    page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": service.label(code)}),
                      headers={"Content-Type": "application/json"})
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'title')")
    reading = page.locator("#book-extras .reading")
    assert reading.locator("h2").inner_text() == "Baca e-book di ponsel"
    assert page.locator("#book-extras video, #book-extras iframe, #book-extras .reader").count() == 0  # no reader
    found = {}
    for figure in (reading.locator(".reading-ebook"), reading.locator(".reading-online")):
        figure.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=figure.locator("img").element_handle())
        png = figure.locator("img").screenshot()
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        found[figure.locator("figcaption").inner_text()] = [scan.text for scan in decode(image)]
    assert found["Baca e-book di ponsel"] == [f"{service.public_url}/books/{book_id}#read"]
    assert found["Juga di iPusnas"] == ["https://ipusnas.id/buku/123"]
