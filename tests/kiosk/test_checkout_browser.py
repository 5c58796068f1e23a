"""Self-checkout at the kiosk in a real browser (Debian's Chromium through
Playwright): a generated video shows a library card and then two books to
the kiosk's scanner; the member types the PIN on the on-screen keypad,
borrows both, gets a receipt (screen, print layout, QR), returns one, renews
the other in "Akun saya", and the idle timeout wipes a member's screen.
Everything real: content service with the demo library, kiosk process,
decoder, SSE, relay."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from content_service.circulation.models import Loan, Patron, PatronSession
from content_service.circulation.patrons import hash_pin
from content_service.db import get_session
from kiosk.app import KioskServer, create_app
from kiosk.demo.synth import render_book_video
from kiosk.scan.decoding import decode
from tests.kiosk.live import LiveService, expose_core

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "kiosk"
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)
CARD, PIN = "2171000042", "2468"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("circulation-service"), media=False)
    with live.app.app_context():
        session = get_session()
        session.add(Patron(card_number=CARD, name="Siti Rahmawati Putri", category="adult",
                           pin_hash=hash_pin(PIN, rounds=1000)))
        session.commit()
    yield live
    live.close()



@pytest.fixture
def kiosks(service):
    started = []

    def start(**config):
        """A kiosk on the live service; its scanner (with a SOURCE) waits for
        the test to call ``kiosk.runtime.scanner.start()``."""
        settings = {"SERVICE_URL": service.url, "KIOSK_KEY": service.key, "HEALTH_INTERVAL": 0.5, **config}
        server = KioskServer(create_app(settings))
        scanner, server.runtime.scanner = server.runtime.scanner, None
        server.start()
        server.runtime.scanner = scanner
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def card_then_two_books(path: Path, service) -> list[str]:
    """One video: the card passes the camera, the counter stays empty a
    moment (the member types the PIN), then two books pass. Returns the titles."""
    clips = [(CARD, "KARTU ANGGOTA", 3)]
    titles = []
    for code, title in service.samples[:2]:
        clips.append((service.label(code), title, 11 + len(titles)))
        titles.append(title)
    writer = None
    for n, (payload, title, seed) in enumerate(clips):
        clip = path.with_name(f"clip{n}.avi")
        render_book_video(clip, payload, title=title, frames=90, passes=1, seed=seed, size=(960, 540))
        capture = cv2.VideoCapture(str(clip))
        frames = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
        capture.release()
        if writer is None:
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (960, 540))
        for frame in frames:
            writer.write(frame)
        if n == 0:
            for _ in range(60):  # 2 s of an empty counter after the card
                writer.write(frames[0])
    writer.release()
    return titles


def open_kiosk(page, kiosk):
    page.goto(kiosk.url + "/", wait_until="domcontentloaded")  # the camera preview never finishes loading
    expose_core(page)
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'connected')")


def marks(page, name: str) -> list[dict]:
    return page.evaluate(f"Kiosk.marks.filter(m => m.name === {name!r})")


def wait_marks(page, name: str, count: int = 1, timeout: float = 15_000, **match) -> list[dict]:
    where = "".join(f" && m[{k!r}] === {json.dumps(v)}" for k, v in match.items())
    page.wait_for_function(f"Kiosk.marks.filter(m => m.name === {name!r}{where}).length >= {count}", timeout=timeout)
    return marks(page, name)


def keypad(page, panel: str, digits: str) -> None:
    for digit in digits:
        page.click(f"#co-{panel} .keypad button[data-key='{digit}']")
    page.click(f"#co-{panel} .keypad button[data-key='ok']")


def axe(page, name: str, scope: str = "#screen-checkout") -> None:
    """No serious or critical accessibility violation on our screen (axe-core
    from node_modules, when installed; the page's frame is the kiosk app's own test)."""
    if not (REPO / "node_modules" / "axe-core" / "axe.min.js").exists():
        return
    page.add_script_tag(url="/vendor/axe.min.js")
    result = page.evaluate("scope => axe.run(scope, {resultTypes: ['violations']})", scope)
    bad = [f"{v['id']}: {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def scan(page, kiosk, payload: str) -> None:
    """A desk scanner handing the kiosk a payload."""
    page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                      headers={"Content-Type": "application/json"})


def test_card_pin_two_books_receipt_return_and_renew(service, kiosks, page, tmp_path):
    titles = card_then_two_books(tmp_path / "checkout.avi", service)
    kiosk = kiosks(SOURCE=str(tmp_path / "checkout.avi"))
    open_kiosk(page, kiosk)
    assert page.locator("#circ-borrow").inner_text() == "Pinjam buku"
    box = page.locator("#circ-borrow").bounding_box()
    assert box["y"] + box["height"] <= 900  # on the attract screen without scrolling
    kiosk.runtime.scanner.start()  # the video plays from here

    wait_marks(page, "checkout-panel", panel="pin", timeout=20_000)
    assert page.locator("#co-pin").is_visible()
    keypad(page, "pin", "9999")
    wait_marks(page, "checkout-refused", code="wrong_pin")
    assert "PIN salah" in page.locator("#co-pin-message").inner_text()
    keypad(page, "pin", PIN)
    wait_marks(page, "checkout-panel", panel="borrow")
    assert page.locator("#co-hello").inner_text() == "Halo, Siti!"

    loans = wait_marks(page, "checkout-loan", count=2, timeout=30_000)
    assert sorted(m["title"] for m in loans) == sorted(titles)
    rows = page.locator("#co-borrow-list li.ok")
    assert rows.count() == 2 and "Kembalikan paling lambat" in rows.first.inner_text()
    text = page.locator("body").inner_text()
    assert "Rahmawati" not in text and CARD not in text  # first name only, never the card number
    shot(page, "checkout-borrow")
    axe(page, "checkout: borrowing")

    page.click("#co-done")
    receipt = wait_marks(page, "checkout-receipt")[-1]
    assert receipt["lines"] == 2 and receipt["url"].startswith(service.url + "/r/")
    assert page.locator("#co-receipt-list li").count() == 2
    # The QR on screen reads back (with the kiosk's own decoder) as the receipt link.
    png = page.locator("#co-qr").screenshot()
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert [s.text for s in decode(image)] == [receipt["url"]]
    phone = page.request.get(receipt["url"])
    assert phone.ok and all(t in phone.text() for t in titles) and "Siti" not in phone.text()
    shot(page, "checkout-receipt")
    axe(page, "checkout: receipt")
    page.emulate_media(media="print")  # the printable receipt: only the receipt shows
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).visibility") == "hidden"
    assert page.evaluate("getComputedStyle(document.querySelector('#co-print')).visibility") == "visible"
    page.emulate_media(media="screen")
    with service.app.app_context():
        session = get_session()
        assert all(row.ended_at for row in session.scalars(select(PatronSession)))  # "Selesai" ended it
        open_loans = session.scalars(select(Loan).where(Loan.returned_at.is_(None))).all()
        assert len(open_loans) == 2
    page.click("#co-finish")
    if page.locator("#screen-survey").count():  # the one-tap survey after a member session (events)
        page.click("#survey-skip")
    assert page.locator("#screen-attract").is_visible()

    # Return one book, no card.
    page.click("#circ-return")
    scan(page, kiosk, service.label(service.samples[0][0]))
    returned = wait_marks(page, "checkin")[-1]
    assert returned["title"] == titles[0]
    assert "Terima kasih" in page.locator("#return-list li").first.inner_text()
    shot(page, "checkout-return")
    axe(page, "return", "#screen-return")
    page.click("#return-done")

    # Akun saya: type the card number, PIN, renew the other book.
    page.click("#circ-account")
    for digit in CARD:
        page.click(f"#co-card .keypad button[data-key='{digit}']")
    assert page.locator("#co-card-entry").inner_text() == "••••••0042"  # never the whole number
    page.click("#co-card .keypad button[data-key='ok']")
    keypad(page, "pin", PIN)
    wait_marks(page, "checkout-account")
    assert page.locator("#co-account-list li").count() == 1
    assert titles[1] in page.locator("#co-account-list").inner_text()
    page.click("#co-account-list .co-renew")
    renewed = wait_marks(page, "checkout-renewed")[-1]
    assert renewed["renewed"] == 1
    assert "sisa perpanjangan: 1" in page.locator("#co-account-list").inner_text()
    page.click("#lang-button")
    assert page.locator("#co-heading").inner_text() == "My account"
    assert page.locator("#co-account-hello").inner_text() == "Hello, Siti!"
    assert page.locator("#co-renew-all").inner_text() == "Renew all"
    page.click("#lang-button")
    shot(page, "checkout-account")
    axe(page, "checkout: my account")


def test_idle_timeout_ends_the_session_and_wipes_the_screen(service, kiosks, page):
    kiosk = kiosks(IDLE_SECONDS=3, IDLE_WARNING_SECONDS=1)
    open_kiosk(page, kiosk)
    scan(page, kiosk, CARD)  # a card at the desk scanner starts the flow
    wait_marks(page, "checkout-panel", panel="pin")
    keypad(page, "pin", PIN)
    wait_marks(page, "checkout-panel", panel="borrow")
    assert page.locator("#co-hello").inner_text() == "Halo, Siti!"
    # The idle reset ends the member's session on the service too.
    with page.expect_response(lambda r: r.url.endswith("/circulation/session") and r.request.method == "DELETE",
                              timeout=10_000) as ended:
        wait_marks(page, "reset", timeout=10_000)
    assert ended.value.status == 204
    assert page.locator("#screen-attract").is_visible() and page.locator("#screen-checkout").is_hidden()
    assert page.locator("#co-hello").inner_text() == "" and page.locator("#co-borrow-list li").count() == 0
    with service.app.app_context():
        rows = get_session().scalars(select(PatronSession).order_by(PatronSession.created_at)).all()
        assert rows[-1].ended_at is not None


def test_a_returned_reserved_book_goes_to_the_hold_shelf_and_greets_its_member(service, kiosks, page):
    """Ani reserved a title whose one copy Budi has. Budi returns it at the kiosk:
    the screen says whose hold shelf it goes to (first name only); Ani logs in
    and is told first that a book waits for her there."""
    from content_service.circulation import holds, local
    from tests.factories import make_book, make_item

    with service.app.app_context():
        session = get_session()
        ani = Patron(card_number="2171000043", name="Ani Lestari", category="adult", pin_hash=hash_pin("1357", rounds=1000))
        budi = Patron(card_number="2171000044", name="Budi Santoso", category="adult")
        session.add_all([ani, budi])
        book = make_book(session, title="Cantik Itu Luka")
        copy = make_item(session, book, barcode="HOLD-KIOSK-1")
        local.checkout(session, budi, copy, max_fines=10**9)
        holds.reserve(session, ani, book, max_fines=10**9, policy=holds.Policy())
        session.commit()
    kiosk = kiosks()
    open_kiosk(page, kiosk)
    page.click("#circ-return")
    scan(page, kiosk, "HOLD-KIOSK-1")
    back = wait_marks(page, "checkin", title="Cantik Itu Luka")[-1]
    assert back["hold"] is True and back["holdFor"] == "Ani"
    row = page.locator("#return-list li").first
    assert "Letakkan di rak pesanan untuk Ani." in row.inner_text() and "Lestari" not in row.inner_text()
    shot(page, "return-to-hold-shelf")
    page.click("#return-done")
    page.locator("#screen-attract").wait_for()

    page.click("#circ-borrow")
    wait_marks(page, "checkout-panel", panel="card")
    scan(page, kiosk, "2171000043")
    wait_marks(page, "checkout-panel", panel="pin")
    keypad(page, "pin", "1357")
    wait_marks(page, "checkout-panel", panel="borrow")
    greeting = page.locator("#co-borrow-extra").inner_text()
    assert greeting.startswith("1 buku menunggu Anda di rak pesanan."), greeting
    shot(page, "checkout-hold-waiting")


def test_a_book_with_every_copy_out_is_reserved_at_the_kiosk(service, kiosks, page):
    """The book screen offers "Pesan buku ini" when no copy is on the shelf; the
    member signs in with card and PIN and is told the place in the queue."""
    from content_service import codes
    from content_service.circulation import local
    from content_service.circulation.models import Hold
    from tests.factories import make_book, make_item

    with service.app.app_context():
        session = get_session()
        dewi = Patron(card_number="2171000045", name="Dewi Sartika", category="adult",
                      pin_hash=hash_pin("1357", rounds=1000))
        other = Patron(card_number="2171000046", name="Rudi Hartono", category="adult")
        session.add_all([dewi, other])
        book = make_book(session, title="Bumi Manusia")
        local.checkout(session, other, make_item(session, book, barcode="RES-KIOSK-1"), max_fines=10**9)
        label = service.label(codes.ensure_code(session, "book", book.id).code)
        on_shelf = service.label(service.samples[0][0])
        session.commit()
    kiosk = kiosks()
    open_kiosk(page, kiosk)
    scan(page, kiosk, on_shelf)
    page.locator("#screen-book").wait_for()
    page.wait_for_function("document.getElementById('book-title').textContent.length > 0")
    assert page.locator("#book-reserve").is_hidden()  # a copy is on the shelf: take it
    scan(page, kiosk, label)
    page.wait_for_function("document.getElementById('book-title').textContent === 'Bumi Manusia'")
    reserve = page.locator("#book-reserve")
    assert reserve.is_visible() and reserve.inner_text() == "Pesan buku ini"
    reserve.click()
    wait_marks(page, "checkout-panel", panel="card")
    assert page.locator("#co-heading").inner_text() == "Pesan buku"
    scan(page, kiosk, "2171000045")
    wait_marks(page, "checkout-panel", panel="pin")
    keypad(page, "pin", "1357")
    made = wait_marks(page, "checkout-reserved")[-1]
    assert made["title"] == "Bumi Manusia" and made["position"] == 1
    said = page.locator("#co-account-reserve").inner_text()
    assert said.startswith("Dipesan: Bumi Manusia. Anda urutan ke-1 dalam daftar tunggu"), said
    # The account then lists it among the member's holds.
    page.wait_for_function("document.getElementById('co-account-extra').textContent.includes('Bumi Manusia')")
    shot(page, "checkout-reserved")
    axe(page, "checkout: reserved")
    with service.app.app_context():
        cards = get_session().scalars(select(Patron.card_number).join(Hold, Hold.patron_id == Patron.id)
                                      .where(Hold.book_id == book.id)).all()
    assert cards == ["2171000045"]
