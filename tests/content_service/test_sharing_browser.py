"""A visitor on a phone (360x740, Debian's Chromium) shares a book page and
an event page: the share box is there, "Salin tautan" puts the page's address
on the clipboard and says "Tautan disalin"; without script the address still
shows to copy by hand. The Content-Security-Policy stays on; axe finds no
serious or critical violation. Screenshots go to test-artifacts/sharing/."""
from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from content_service import create_app
from content_service.db import get_session, upgrade
from content_service.events import calendar, schedule
from tests.content_service.staff.test_browser import axe
from tests.factories import make_book
from tests.kiosk.live import launch_chromium, quiet_server

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "sharing"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sharing-live")
    app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{folder / 'pindai.db'}", "RATE_LIMITS": False,
                      "MEDIA_ROOT": str(folder / "media"), "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
                      "SEARCH_INDEX": str(folder / "search-index")})
    with app.app_context():
        upgrade(app.extensions["pindai.engine"])
        session = get_session()
        app.book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], copies=1,
                             summary="Sepuluh anak Belitung dan sekolah mereka yang hampir ditutup.").id
        start = (schedule.local(schedule.now()) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
        event = calendar.save_event(session, title="Cerita di Pagi Hari", category="storytelling", audience="children",
                                    starts_at=start, ends_at=start + timedelta(hours=1), status="published",
                                    location="Ruang Anak")
        app.event_path = f"/events/{event.id}/{schedule.occurrence_key(event.starts_at)}"
        session.commit()
    server = quiet_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.url = app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # as a real host is
    yield app
    server.shutdown()
    app.extensions["pindai.engine"].dispose()


def test_a_visitor_copies_the_link_of_a_book_and_of_an_event_on_a_phone(live):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", has_touch=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
        page = context.new_page()
        csp: list[str] = []
        page.on("console", lambda m: "Content Security Policy" in m.text and csp.append(m.text))
        page.set_default_timeout(10_000)
        for name, path in (("book", f"/books/{live.book}"), ("event", live.event_path)):
            page.goto(live.url + path)
            url = f"{live.url}{path}"
            box = page.locator("#share")
            box.scroll_into_view_if_needed()
            for target in (".share-whatsapp", ".share-facebook", ".share-copy-button", "#share-url"):
                assert box.locator(target).is_visible(), target
                size = box.locator(target).bounding_box()
                assert size and size["height"] >= 44 and size["width"] >= 44, (target, size)
            assert page.get_by_role("link", name="Bagikan ke WhatsApp").count() == 1
            assert page.get_by_role("button", name="Salin tautan").count() == 1
            # Headless Chromium has no share sheet: "Bagikan" stays hidden rather than failing.
            assert page.locator(".share-native").is_visible() == page.evaluate("typeof navigator.share === 'function'")
            page.get_by_role("button", name="Salin tautan").click()
            expect(page.locator(".share-status")).to_have_text("Tautan disalin")
            assert page.evaluate("navigator.clipboard.readText()") == url
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # nothing off the side
            page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
            axe(page, f"{name} page with its share box, phone")
        context.close()

        # Without script: WhatsApp and Facebook are links, the address shows to copy by hand.
        plain = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", java_script_enabled=False)
        page = plain.new_page()
        page.goto(f"{live.url}/books/{live.book}")
        assert page.locator(".share-whatsapp").is_visible() and page.locator(".share-facebook").is_visible()
        assert page.locator(".share-copy-button").is_hidden()
        assert page.input_value("#share-url") == f"{live.url}/books/{live.book}"
        page.locator("#share").screenshot(path=str(ARTIFACTS / "book-no-script-phone.png"))
        browser.close()
    assert not csp, csp
