"""The book page on a 360x740 phone (Debian's Chromium): after the book,
"Buku serupa" (tappable covers that open the other book), the next event
about the book (opens its date page) and the opening hours with today's
line; nothing runs off the side, the policy blocks nothing, axe finds no
serious or critical violation. Screenshot: test-artifacts/phone/book-more.png."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from content_service.events import calendar, schedule
from tests.content_service.live import phone_page, served_app
from tests.content_service.staff.test_browser import axe
from tests.factories import make_book
from tests.kiosk.live import launch_chromium

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "phone"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    def seed(app, session):
        laskar = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], copies=1,
                           summary="Sepuluh anak Belitung dan sekolah mereka yang hampir ditutup.")
        for title in ("Sang Pemimpi", "Edensor", "Maryamah Karpov"):
            make_book(session, title=title, authors=["Andrea Hirata"], copies=1)
        session.flush()
        start = (schedule.local(schedule.now()) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
        calendar.save_event(session, title="Diskusi Laskar Pelangi", category="discussion", audience="all",
                            starts_at=start, ends_at=start + timedelta(hours=2), status="published",
                            location="Aula", book_ids=[laskar.id])
        app.book = laskar.id

    config = {"OPENING_HOURS": "mon-fri 08:00-16:00; sat 09:00-14:00; sun closed"}
    with served_app(tmp_path_factory.mktemp("book-page-live"), seed, config) as app:
        yield app


def test_a_visitor_sees_more_books_the_next_event_and_the_hours_on_a_phone(live):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = phone_page(browser)
            page.goto(f"{live.url}/books/{live.book}")
            more = page.locator("#more-like-this")
            assert more.locator("h2").inner_text() == "Buku serupa"
            shown = more.locator(".related-books li .title").all_inner_texts()
            assert set(shown) == {"Sang Pemimpi", "Edensor", "Maryamah Karpov"}, shown
            event = page.locator("#book-event")
            assert "Diskusi Laskar Pelangi" in event.inner_text() and "pukul 09.00–11.00 WIB" in event.inner_text()
            hours = page.locator("#opening-hours")
            assert hours.locator("h2").inner_text() == "Jam buka"
            assert "Senin–Jumat" in hours.inner_text() and "Minggu" in hours.inner_text()
            assert hours.locator("p.today").inner_text().startswith("Hari ini")
            for target in (more.locator("a").first, event.locator("a").first):
                size = target.bounding_box()
                assert size and size["height"] >= 44, size  # a finger finds it
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the page runs off the side"
            page.screenshot(path=str(ARTIFACTS / "book-more.png"), full_page=True)
            axe(page, "book page with more like this, event and hours, phone")
            assert not page.csp_errors, page.csp_errors
            more.locator("a", has_text="Edensor").click()
            page.wait_for_url("**/books/*")
            assert page.locator("h1").inner_text().startswith("Edensor")
            page.go_back()
            page.locator("#book-event a").click()
            page.wait_for_url("**/events/**")
            assert "Diskusi Laskar Pelangi" in page.locator("h1").inner_text()
        finally:
            browser.close()
