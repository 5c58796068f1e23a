"""The messages page in Chromium: a librarian sees what was sent and what
failed with the reason, changes a message's words (a broken template is
refused with the names it may use, what she typed kept), switches a kind off,
and the next message follows both. CSP on, axe clean; screenshots in
test-artifacts/notifications/."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from content_service.notifications.models import Notification
from content_service.notifications.worker import Worker
from content_service.staff.access import create_staff
from tests.content_service.circulation.helpers import make_patron
from tests.content_service.live import served_app
from tests.content_service.staff.conftest import FAST_HASH
from tests.content_service.staff.test_browser import axe, log_in
from tests.kiosk.live import launch_chromium

from .test_worker import ready_hold

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts" / "notifications"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory, smtp_server):
    def seed(app, session):
        from tests.content_service.staff.conftest import PASSWORD

        create_staff(session, "budi", PASSWORD, "librarian", "Budi", method=FAST_HASH)

    with served_app(tmp_path_factory.mktemp("notify-live"), seed) as app:
        app.config.update(smtp_server.config())
        yield app


def send_all(app):
    with app.app_context():
        return Worker(app).run(0, once=True)


def test_a_librarian_reads_the_failures_edits_the_words_and_switches_a_kind_off(live, smtp):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session = live.extensions["pindai.sessionmaker"]()
    siti = make_patron(session, name="Siti Rahmawati", email="siti@example.id")
    rudi = make_patron(session, name="Rudi", email="rudi@salah.example")
    session.commit()
    ready_hold(live, session, siti)
    send_all(live)
    smtp.inbox.refuse = "550 5.1.1 No such user here"
    ready_hold(live, session, rudi, title="Bumi Manusia")
    send_all(live)
    smtp.inbox.refuse = None
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = log_in(browser, live, "budi")
        page.click("nav >> text=Pesan")
        page.wait_for_selector("#notify-list")
        failed = page.locator("#notify-list tr[data-status=failed]")
        assert "rudi@salah.example" in failed.inner_text() and "gagal" in failed.inner_text()
        assert "550 5.1.1 No such user here" in failed.locator(".notify-reason").inner_text()
        assert page.locator("#notify-list tr[data-status=sent]").count() == 1
        page.screenshot(path=str(ARTIFACTS / "messages.png"), full_page=True)
        axe(page, "messages")

        page.click("#notify-templates-link")
        form = page.locator("#hold_ready-id")
        form.locator("input[name=subject]").fill("Siap: {{ judul }}")
        form.locator("button[name=save]").click()
        page.wait_for_selector("#notify-error")
        assert "Templat tidak bisa dipakai" in page.inner_text("#notify-error")
        assert "{{ pickup_by }}" in page.inner_text("#notify-error")
        assert page.locator("#hold_ready-id input[name=subject]").input_value() == "Siap: {{ judul }}"
        page.locator("#hold_ready-id input[name=subject]").fill("Siap diambil: {{ title }}")
        page.locator("#hold_ready-id button[name=save]").click()
        page.wait_for_selector("#notify-done")
        assert page.inner_text("#notify-done") == "Tersimpan."
        assert "diubah staf" in page.locator("#hold_ready-id").inner_text()

        ready_hold(live, session, siti, title="Laut Bercerita")
        send_all(live)
        assert smtp.inbox.wait_for(2)[-1]["Subject"] == "Siap diambil: Laut Bercerita"

        page.locator("#due_soon .notify-switch").click()
        page.wait_for_selector("#notify-done")
        assert page.inner_text("#notify-done") == "Dimatikan: pesan jenis ini tidak dikirim."
        assert "mati" in page.locator("#due_soon h2").inner_text()
        page.screenshot(path=str(ARTIFACTS / "words-and-switches.png"), full_page=True)
        axe(page, "words and switches")

        page.goto(f"{live.url}/staff/notifications?status=failed")
        with page.expect_navigation():
            page.locator("#notify-list tr[data-status=failed] .notify-retry").click()
        assert "Diantrekan lagi" in page.inner_text("#notify-done")
        assert not page.csp_errors, page.csp_errors
        browser.close()
    session.expire_all()
    assert session.scalar(select(Notification.status).where(Notification.recipient == "rudi@salah.example")) == "queued"
    session.close()
