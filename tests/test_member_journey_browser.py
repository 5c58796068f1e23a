"""Issue 15's "done": a member on her phone reserves a book that is on loan;
it is returned at a kiosk; the email arrives in a real SMTP server (sent by
the outbox worker); her account page on the phone shows it ready; the kiosk
greets her with it; she borrows it and has the receipt emailed. Everything
real: the content service and a kiosk in threads, Debian's Chromium (a
360x740 phone and the kiosk screen), aiosmtpd. Screenshots in
test-artifacts/journey/."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from content_service.circulation import local
from content_service.circulation.models import Patron
from content_service.circulation.patrons import hash_pin
from content_service.db import get_session
from content_service.notifications.models import Notification
from content_service.notifications.worker import Worker
from kiosk.app import KioskServer, create_app
from tests.content_service.live import phone_page
from tests.content_service.notifications.sinks import SmtpServer, parts
from tests.factories import make_book, make_item
from tests.kiosk.live import LiveService, expose_core, launch_chromium

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "journey"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)
CARD, PIN = "2171000077", "2468"


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def service(tmp_path_factory, smtp):
    live = LiveService(tmp_path_factory.mktemp("journey"), media=False, config=smtp.config())
    with live.app.app_context():
        session = get_session()
        siti = Patron(card_number=CARD, name="Siti Rahmawati", category="adult", email="siti.rahma@example.id",
                      pin_hash=hash_pin(PIN, rounds=1000))
        budi = Patron(card_number="2171000078", name="Budi Santoso", category="adult")
        session.add_all([siti, budi])
        book = make_book(session, title="Cantik Itu Luka", authors=["Eka Kurniawan"])
        local.checkout(session, budi, make_item(session, book, barcode="JOURNEY-1"), max_fines=10**9)
        session.commit()
        live.book_id = book.id
    yield live
    live.close()


def send_all(service) -> None:
    with service.app.app_context():
        Worker(service.app).run(0, once=True)


def kiosk_marks(page, name: str, count: int = 1, **match) -> list[dict]:
    where = "".join(f" && m[{k!r}] === {json.dumps(v)}" for k, v in match.items())
    page.wait_for_function(f"Kiosk.marks.filter(m => m.name === {name!r}{where}).length >= {count}", timeout=15_000)
    return page.evaluate(f"Kiosk.marks.filter(m => m.name === {name!r})")


def scan(page, kiosk, payload: str) -> None:
    page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                      headers={"Content-Type": "application/json"})


def test_reserved_on_the_phone_returned_at_the_kiosk_told_by_email_greeted_at_the_kiosk(service, smtp):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kiosk = KioskServer(create_app({"SERVICE_URL": service.url, "KIOSK_KEY": service.key, "HEALTH_INTERVAL": 0.5}))
    kiosk.start(scan=False)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            # 1. On her phone: "Pesan buku ini", card and PIN, reserve.
            phone = phone_page(browser)
            phone.goto(f"{service.url}/books/{service.book_id}")
            phone.click("#reserve-book")
            phone.fill("#card_number", CARD)
            phone.fill("#pin", PIN)
            phone.click("#account-login button[type=submit]")
            phone.wait_for_url(f"**/akun/pesan/{service.book_id}")
            with phone.expect_navigation():
                phone.click("#reserve-confirm button")
            assert "Menunggu: urutan ke-1 dalam daftar tunggu" in phone.inner_text("#account-holds")
            send_all(service)
            assert smtp.inbox.messages == []  # waiting in the queue tells nothing yet

            # 2. Budi returns the copy at the kiosk: it goes to the hold shelf for Siti.
            screen = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID").new_page()
            screen.goto(kiosk.url + "/", wait_until="domcontentloaded")
            expose_core(screen)
            screen.wait_for_function("Kiosk.marks.some(m => m.name === 'connected')")
            screen.click("#circ-return")
            scan(screen, kiosk, "JOURNEY-1")
            back = kiosk_marks(screen, "checkin", title="Cantik Itu Luka")[-1]
            assert back["hold"] is True and back["holdFor"] == "Siti"
            screen.click("#return-done")
            screen.locator("#screen-attract").wait_for()

            # 3. The worker sends the outbox: the email arrives.
            send_all(service)
            [mail] = smtp.inbox.wait_for(1)
            assert mail["To"] == "siti.rahma@example.id"
            assert mail["Subject"] == "Buku pesanan Anda sudah tersedia: Cantik Itu Luka"
            body = parts(mail)
            assert "Halo Siti," in body["text"] and "rak pesanan" in body["text"] and "Ambil paling lambat" in body["text"]
            assert f"{service.url}/akun" in body["html"]
            choices = re.search(r"(/pesan/[\w-]+)", body["text"])[1]

            # 4. Her account on the phone shows it ready, and how she hears from the library.
            phone.goto(f"{service.url}/akun")
            assert phone.inner_text("#account-ready") == "1 buku menunggu Anda di rak pesanan."
            ready = phone.locator("#account-holds li.ready")
            assert "Cantik Itu Luka" in ready.inner_text() and "Siap di rak pesanan: ambil paling lambat" in ready.inner_text()
            assert "Lewat Surel (siti.rahma@example.id)." in phone.inner_text("#account-messages")
            assert phone.get_attribute("#account-messages-change", "href") == choices
            assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
            phone.screenshot(path=str(ARTIFACTS / "account-ready-phone.png"), full_page=True)
            assert not phone.csp_errors, phone.csp_errors

            # 5. At the kiosk she is greeted with it, borrows it, and has the receipt emailed.
            screen.click("#circ-borrow")
            kiosk_marks(screen, "checkout-panel", panel="card")
            scan(screen, kiosk, CARD)
            kiosk_marks(screen, "checkout-panel", panel="pin")
            for digit in PIN:
                screen.click(f"#co-pin .keypad button[data-key='{digit}']")
            screen.click("#co-pin .keypad button[data-key='ok']")
            kiosk_marks(screen, "checkout-panel", panel="borrow")
            greeting = screen.locator("#co-borrow-extra").inner_text()
            assert greeting.startswith("1 buku menunggu Anda di rak pesanan."), greeting
            screen.screenshot(path=str(ARTIFACTS / "kiosk-greeting.png"))
            scan(screen, kiosk, "JOURNEY-1")
            screen.wait_for_selector("#co-borrow-list li")
            screen.click("#co-done")
            kiosk_marks(screen, "checkout-receipt")
            button = screen.locator("#co-email-button")
            assert button.is_visible() and button.inner_text() == "Kirim ke email"
            button.click()
            kiosk_marks(screen, "checkout-emailed")
            assert screen.inner_text("#co-email-said") == "Struk sedang dikirim ke s•••@example.id."
            assert not button.is_visible()
            screen.screenshot(path=str(ARTIFACTS / "kiosk-receipt-emailed.png"))
        finally:
            browser.close()
            kiosk.stop()
    send_all(service)
    receipt = smtp.inbox.wait_for(2)[1]
    assert receipt["Subject"] == "Struk peminjaman Perpustakaan Kota Batam"
    assert "- Cantik Itu Luka: kembalikan paling lambat" in parts(receipt)["text"]
    with service.app.app_context():
        kinds = [(r.kind, r.status) for r in get_session().scalars(select(Notification).order_by(Notification.id))]
    assert kinds == [("hold_ready", "sent"), ("kiosk_receipt", "sent")]
