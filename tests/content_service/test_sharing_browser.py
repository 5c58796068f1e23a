"""A visitor on a phone (360x740, Debian's Chromium) shares a book page and
an event page: the share box is there, "Salin tautan" puts the page's address
on the clipboard and says "Tautan disalin"; without script the address still
shows to copy by hand. The Content-Security-Policy stays on; axe finds no
serious or critical violation. Screenshots go to test-artifacts/sharing/."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from content_service.events import calendar, schedule
from tests.content_service.staff.test_browser import axe
from tests.factories import make_book
from tests.content_service.live import PHONE, phone_page, served_app
from tests.kiosk.live import launch_chromium

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "sharing"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sharing-live")

    def seed(app, session):
        app.book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], copies=1,
                             summary="Sepuluh anak Belitung dan sekolah mereka yang hampir ditutup.").id
        start = (schedule.local(schedule.now()) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
        event = calendar.save_event(session, title="Cerita di Pagi Hari", category="storytelling", audience="children",
                                    starts_at=start, ends_at=start + timedelta(hours=1), status="published",
                                    location="Ruang Anak")
        app.event_path = f"/events/{event.id}/{schedule.occurrence_key(event.starts_at)}"

    with served_app(folder, seed) as app:
        yield app


def test_a_visitor_copies_the_link_of_a_book_and_of_an_event_on_a_phone(live):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=PHONE, locale="id-ID", has_touch=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
        page = phone_page(browser, context=context)
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
        plain = browser.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
        bare = plain.new_page()
        bare.goto(f"{live.url}/books/{live.book}")
        assert bare.locator(".share-whatsapp").is_visible() and bare.locator(".share-facebook").is_visible()
        assert bare.locator(".share-copy-button").is_hidden()
        assert bare.input_value("#share-url") == f"{live.url}/books/{live.book}"
        bare.locator("#share").screenshot(path=str(ARTIFACTS / "book-no-script-phone.png"))
        browser.close()
    assert not page.csp_errors, page.csp_errors
