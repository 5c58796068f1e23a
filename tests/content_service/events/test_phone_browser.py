"""A parent on a phone (360x740, Debian's Chromium) registers two children for
the storytelling with one phone number, then cancels one, answering the
question first. The page's Content-Security-Policy stays on; axe finds no
serious or critical violation. Screenshots go to test-artifacts/events/."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from content_service.events import calendar, schedule
from content_service.events.models import Registration
from tests.content_service.staff.test_browser import axe
from tests.content_service.live import phone_page, served_app
from tests.kiosk.live import launch_chromium

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts" / "events"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("events-live")

    def seed(app, session):
        start = (schedule.local(schedule.now()) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
        app.event = calendar.save_event(session, title="Cerita di Pagi Hari", category="storytelling",
                                        audience="children", starts_at=start, ends_at=start + timedelta(hours=1),
                                        capacity=20, registration_required=True, status="published",
                                        location="Ruang Anak").id
        app.start = start

    with served_app(folder, seed) as app:
        yield app


def test_a_parent_registers_two_children_and_cancels_one_after_the_question(live):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = phone_page(browser)
        date_url = f"{live.url}/events/{live.event}/{schedule.occurrence_key(live.start)}"
        tokens = []
        for child in ("Siti", "Budi"):
            page.goto(date_url)
            page.fill("input[name=name]", child)
            page.fill("input[name=phone]", "0812 7000 1234")
            page.click("form.reg-form button[type=submit]")
            page.wait_for_url("**/registrations/**")
            assert f"Atas nama: {child}" in page.inner_text("main")
            tokens.append(page.url.rsplit("/", 1)[1])
        assert "Nomor kursi: 2" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # nothing off the side
        page.screenshot(path=str(ARTIFACTS / "registration-phone.png"), full_page=True)
        axe(page, "registration, phone")
        page.click("#cancel-registration")
        page.wait_for_selector("#confirm-cancel")
        assert "Batalkan pendaftaran?" in page.inner_text("main") and "Atas nama: Budi" in page.inner_text("main")
        page.screenshot(path=str(ARTIFACTS / "cancel-question-phone.png"), full_page=True)
        axe(page, "cancel question, phone")
        page.click("text=Tidak, tetap terdaftar")  # a slip of the thumb: nothing happens
        page.wait_for_selector("#cancel-registration")
        assert "Nomor kursi: 2" in page.inner_text("main")
        page.click("#cancel-registration")
        page.click("#confirm-cancel")
        page.wait_for_selector("#registration-cancelled")
        assert "Pendaftaran ini dibatalkan." in page.inner_text("main")
        assert "Terima kasih sudah memberi tahu" in page.inner_text("main")
        browser.close()
    assert not page.csp_errors, page.csp_errors
    session = live.extensions["pindai.sessionmaker"]()
    states = dict(session.execute(select(Registration.name, Registration.status)).all())
    session.close()
    assert states == {"Siti": "confirmed", "Budi": "cancelled"}
