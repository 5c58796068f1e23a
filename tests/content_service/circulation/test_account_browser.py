"""A member on a phone (360x740, Debian's Chromium): finds a book whose
copies are all out, taps "Pesan buku ini", logs in with card and PIN, reserves
it, sees her loans and the reservation on "Akun saya", renews a loan and logs
out. The Content-Security-Policy stays on; axe finds no serious or critical
violation; screenshots go to test-artifacts/account/."""
from __future__ import annotations

from pathlib import Path

import pytest

from content_service.circulation import local
from tests.content_service.staff.test_browser import axe
from tests.factories import make_book, make_item
from tests.content_service.live import phone_page, served_app
from tests.kiosk.live import launch_chromium

from .helpers import PIN, make_patron

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts" / "account"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("account-live")

    def seed(app, session):
        siti = make_patron(session, name="Siti Rahmawati", card_number="2171000001", fines=7500)
        budi = make_patron(session, name="Budi Santoso", card_number="2171000002")
        local.checkout(session, siti, make_item(session, make_book(session, title="Laskar Pelangi")), max_fines=10**9)
        wanted = make_book(session, title="Cantik Itu Luka", authors=["Eka Kurniawan"])
        local.checkout(session, budi, make_item(session, wanted), max_fines=10**9)
        app.wanted = wanted.id

    with served_app(folder, seed) as app:
        yield app


def test_a_member_reserves_a_book_from_her_phone_and_sees_her_account(live):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = phone_page(browser)
        page.goto(f"{live.url}/books/{live.wanted}")
        page.click("#reserve-book")
        page.wait_for_selector("#account-for-book")
        assert "Masuk untuk memesan Cantik Itu Luka." in page.inner_text("main")
        page.fill("#card_number", "2171000001")
        page.fill("#pin", "0000")
        page.click("#account-login button[type=submit]")
        page.wait_for_selector("#account-error")
        assert "PIN salah" in page.inner_text("#account-error")
        page.screenshot(path=str(ARTIFACTS / "login-refused-phone.png"), full_page=True)
        axe(page, "account login, phone")
        page.fill("#pin", PIN)
        page.click("#account-login button[type=submit]")
        page.wait_for_url(f"**/akun/pesan/{live.wanted}")
        with page.expect_navigation():
            page.click("#reserve-confirm button")
        assert "Dipesan: Cantik Itu Luka. Anda urutan ke-1 dalam daftar tunggu" in page.inner_text("#account-done")
        assert "Menunggu: urutan ke-1 dalam daftar tunggu" in page.inner_text("#account-holds")
        assert "Laskar Pelangi" in page.inner_text("#account-loans")
        assert "Kembalikan paling lambat" in page.inner_text("#account-loans")
        assert "Rp7.500" in page.inner_text("#account-fines")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # nothing off the side
        page.screenshot(path=str(ARTIFACTS / "account-phone.png"), full_page=True)
        axe(page, "account, phone")
        with page.expect_navigation():
            page.click("#account-loans li[data-barcode] button")
        assert "Diperpanjang: Laskar Pelangi (kembalikan paling lambat" in page.inner_text("#account-done")
        page.click("#account-logout")
        page.wait_for_url("**/akun?done=out")
        assert "Anda sudah keluar." in page.inner_text("main")
        assert page.locator("#account-login").is_visible()
        page.goto(f"{live.url}/akun")
        assert page.locator("#account-login").is_visible() and "Laskar Pelangi" not in page.inner_text("main")
        assert not page.csp_errors, page.csp_errors
        browser.close()
