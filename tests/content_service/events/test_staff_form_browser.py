"""The event form's related books and cover in a real browser (Debian's
Chromium through Playwright, the portal's Content-Security-Policy on): a
librarian types in the book search, picks matches, removes one, uploads a
cover and saves; the event page shows the books' titles and the cover. The
form is checked by axe-core (no serious or critical violation) and saved to
test-artifacts/staff/."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from content_service.events.models import Event
from tests.content_service.staff import samples
from tests.content_service.staff.conftest import PASSWORD
from tests.content_service.staff.test_browser import ARTIFACTS, axe, browser, db, live, log_in  # noqa: F401 (fixtures)
from tests.factories import make_book

pytestmark = pytest.mark.browser


def test_pick_books_remove_one_upload_a_cover_and_see_them_on_the_event_page(live, browser):  # noqa: F811
    with db(live) as session:
        for title, author, year in (("Kancil dan Buaya", "Tim Dongeng", 2001), ("Si Kancil Cerdik", "Ayu Lestari", 2015),
                                    ("Laskar Pelangi", "Andrea Hirata", 2005)):
            make_book(session, title=title, authors=[author], year=year)
        session.commit()
    page = log_in(browser, live, "budi")
    page.goto(f"{live.url}/staff/events/new")
    page.fill("input[name=title]", "Dongeng Si Kancil")
    page.fill("input[name=start]", "2030-01-05T09:00")
    page.fill("input[name=end]", "2030-01-05T10:00")
    # Typing searches; Enter in the search box searches too, and saves nothing.
    page.fill("#book-q", "kancil")
    page.wait_for_selector("ul.found button.pick >> nth=1")
    assert page.locator("ul.found button.pick").all_inner_texts() == [
        "Kancil dan Buaya — Tim Dongeng (2001)", "Si Kancil Cerdik — Ayu Lestari (2015)"]
    assert "Ditemukan: 2" in page.inner_text(".book-picker [role=status]")
    page.press("#book-q", "Enter")
    assert page.url == f"{live.url}/staff/events/new"
    page.click("ul.found button.pick:text('Kancil dan Buaya')")
    page.click("ul.found button.pick:text('Si Kancil Cerdik')")
    assert page.locator("ul.chips li.chip .words").all_inner_texts() == [
        "Kancil dan Buaya — Tim Dongeng (2001)", "Si Kancil Cerdik — Ayu Lestari (2015)"]
    page.fill("#book-q", "pelangi")
    page.click("ul.found button.pick:text('Laskar Pelangi')")
    # A chosen book is left out of the next search's matches.
    page.fill("#book-q", "kancil")
    page.wait_for_selector(".book-picker [role=status]:has-text('Tidak ada buku yang cocok')")
    assert page.locator("ul.found button.pick").count() == 0
    page.click("li.chip:has-text('Si Kancil Cerdik') button.remove")
    assert page.locator("ul.chips li.chip .words").all_inner_texts() == [
        "Kancil dan Buaya — Tim Dongeng (2001)", "Laskar Pelangi — Andrea Hirata (2005)"]
    page.set_input_files("input[name=cover]", {"name": "sampul.jpg", "mimeType": "image/jpeg",
                                                "buffer": samples.jpeg(size=(400, 600))})
    page.screenshot(path=str(ARTIFACTS / "event-form-books-cover.png"), full_page=True)
    axe(page, "event form with chosen books")
    page.click("form.event-form button.save")
    page.wait_for_url(f"{live.url}/staff/events?saved=*")
    with db(live) as session:
        event = session.scalars(select(Event).where(Event.title == "Dongeng Si Kancil")).one()
        assert [b.title for b in event.books] == ["Kancil dan Buaya", "Laskar Pelangi"]
        assert re.fullmatch(r"media:[0-9a-f]{64}\.jpg", event.cover_url)
        event_id = event.id
    # The event page: the books by title, and the cover as uploaded (its pixels, EXIF gone).
    page.goto(f"{live.url}/events/{event_id}")
    related = page.locator("section.card:has(h2:text('Buku terkait')) li").all_inner_texts()
    assert related == ["Kancil dan Buaya", "Laskar Pelangi"]
    cover = page.locator("img.cover")
    cover.wait_for()
    assert cover.evaluate("img => img.complete && img.naturalWidth") == 400
    page.screenshot(path=str(ARTIFACTS / "event-page-books-cover.png"), full_page=True)
    # Editing shows the books as chips and the cover with "Hapus sampul".
    page.goto(f"{live.url}/staff/events/{event_id}/edit")
    assert page.locator("ul.chips li.chip .words").all_inner_texts() == [
        "Kancil dan Buaya — Tim Dongeng (2001)", "Laskar Pelangi — Andrea Hirata (2005)"]
    assert page.locator(".cover-now img").evaluate("img => img.naturalWidth") == 400
    assert page.is_visible("text=Hapus sampul")
    axe(page, "event form, editing")
    assert page.csp_errors == []
    page.context.close()


def test_without_script_cari_buku_shows_matches_to_tick_and_enter_still_saves(live, browser):  # noqa: F811
    with db(live) as session:
        make_book(session, title="Bawang Merah Bawang Putih", authors=["Cerita Rakyat"], year=1998)
        session.commit()
    context = browser.new_context(java_script_enabled=False, locale="id-ID", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live.url}/staff/login")
    page.fill("input[name=username]", "budi")
    page.fill("input[name=password]", PASSWORD)
    page.click("form#login button")
    page.goto(f"{live.url}/staff/events/new")
    page.fill("input[name=title]", "Dongeng Bawang")
    page.fill("#book-q", "bawang")
    page.click("button[name=find_books]")  # the form comes back unsaved, as typed, with the matches
    page.wait_for_selector("ul.matches input[name=book_id]")
    assert page.input_value("input[name=title]") == "Dongeng Bawang"
    assert "Ditemukan: 1. Centang buku" in page.inner_text(".book-picker [role=status]")
    page.check("ul.matches label:has-text('Bawang Merah Bawang Putih — Cerita Rakyat (1998)') input")
    page.fill("input[name=start]", "2030-02-02T09:00")
    page.fill("input[name=end]", "2030-02-02T10:00")
    page.press("input[name=title]", "Enter")  # Enter saves, as it did before the search had a button
    page.wait_for_url(f"{live.url}/staff/events?saved=*")
    with db(live) as session:
        event = session.scalars(select(Event).where(Event.title == "Dongeng Bawang")).one()
        assert [b.title for b in event.books] == ["Bawang Merah Bawang Putih"]
    context.close()
