"""Self-checkout screens as a member tries them for real (Debian's Chromium
through Playwright, the real content service with the demo library and its
covers, the real kiosk process and relay): a card with letters typed on the
card keyboard, Back and Cancel, the heading of each panel, books on loan
"n of max" and fines as Rp7.500, a refused book shown with its title and
cover (borrowing and returning), "Cari" mid-session asking first, and an
expired or blocked member told so instead of being asked to scan."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from content_service.catalogue.models import Item
from content_service.circulation import local
from content_service.circulation.models import Patron, PatronSession
from content_service.circulation.patrons import hash_pin
from content_service.codes.models import Code
from content_service.db import get_session
from kiosk.app import KioskServer, create_app
from tests.kiosk.live import LiveService, expose_core

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "kiosk"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)
VIEWPORT = {"width": 1280, "height": 900}
PIN = "2468"
CARD = "BTM0001"  # printed BTM-0001


def item_of(session, code: str) -> Item:
    return session.get(Item, session.scalar(select(Code.target_id).where(Code.code == code)))


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("selfcheck-service"))
    with live.app.app_context():
        session = get_session()
        pin = hash_pin(PIN, rounds=1000)
        session.add_all([
            Patron(card_number=CARD, name="Dewi Lestari Putri", category="adult", pin_hash=pin, fines=7500),
            Patron(card_number="BTM0002", name="Rudi Hartono", category="adult", pin_hash=pin,
                   expires_on=date.today() - timedelta(days=10)),
            Patron(card_number="BTM0003", name="Ani Susanti", category="adult", pin_hash=pin, fines=75000),
        ])
        other = Patron(card_number="BTM0009", name="Budi Santoso", category="adult", pin_hash=pin)
        session.add(other)
        session.flush()
        # The second sample copy is out with another member: it cannot be borrowed or returned here.
        local.checkout(session, other, item_of(session, live.samples[1][0]), max_fines=50000)
        session.commit()
    yield live
    live.close()


@pytest.fixture
def kiosk(service):
    server = KioskServer(create_app({"SERVICE_URL": service.url, "KIOSK_KEY": service.key, "HEALTH_INTERVAL": 0.5}))
    server.start(scan=False)
    yield server
    server.stop()


def open_kiosk(page, kiosk):
    page.goto(kiosk.url + "/", wait_until="domcontentloaded")
    expose_core(page)
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'connected')")


def wait_mark(page, name: str, **match) -> dict:
    where = "".join(f" && m[{k!r}] === {json.dumps(v)}" for k, v in match.items())
    page.wait_for_function(f"Kiosk.marks.some(m => m.name === {name!r}{where})", timeout=15_000)
    return page.evaluate(f"Kiosk.marks.filter(m => m.name === {name!r}{where}).pop()")


def scan(page, kiosk, payload: str) -> None:
    page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                      headers={"Content-Type": "application/json"})


def keys(page, panel: str, text: str, ok: bool = True) -> None:
    for key in text:
        page.click(f"#co-{panel} .keypad button[data-key='{key}']")
    if ok:
        page.click(f"#co-{panel} .keypad button[data-key='ok']")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def axe(page, name: str) -> None:
    """No serious or critical accessibility violation (axe-core from node_modules)."""
    if not (REPO / "node_modules" / "axe-core" / "axe.min.js").exists():
        return
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url="/vendor/axe.min.js")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']}: {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def test_a_card_with_letters_back_cancel_and_headings_that_match_the_panel(service, kiosk, page):
    open_kiosk(page, kiosk)
    page.click("#circ-borrow")
    assert page.locator("#co-heading").inner_text() == "Pinjam buku"
    page.click("#co-card-cancel")  # changed my mind
    assert page.locator("#screen-attract").is_visible() and page.locator("#screen-checkout").is_hidden()

    page.click("#circ-account")
    assert page.locator("#co-heading").inner_text() == "Akun saya"
    keys(page, "card", "BTM-0001")  # typed as printed, dash and all
    assert page.locator("#co-pin").is_visible() and page.locator("#co-heading").inner_text() == "Akun saya"
    shot(page, "selfcheck-pin")
    page.click("#co-pin-back")  # a wrong card: back to the card keyboard, empty
    assert page.locator("#co-card").is_visible() and page.locator("#co-card-entry").inner_text() == ""
    keys(page, "card", "BTM-0001", ok=False)
    assert page.locator("#co-card-entry").inner_text() == "••••0001"  # never the whole number
    shot(page, "selfcheck-card-letters")
    axe(page, "card keyboard")
    page.click("#co-card .keypad button[data-key='ok']")
    keys(page, "pin", PIN)
    wait_mark(page, "checkout-account")
    assert page.locator("#co-heading").inner_text() == "Akun saya"
    assert page.locator("#co-account-hello").inner_text() == "Halo, Dewi!"
    extra = page.locator("#co-account-extra").inner_text()
    assert "Buku dipinjam: 0 dari 5" in extra and "Denda: Rp7.500" in extra
    page.click("#lang-button")
    assert page.locator("#co-heading").inner_text() == "My account"
    assert "Books on loan: 0 of 5" in page.locator("#co-account-extra").inner_text()
    assert "Fines: Rp7.500" in page.locator("#co-account-extra").inner_text()
    page.click("#lang-button")
    page.click("#co-account-done")
    wait_mark(page, "checkout-receipt")
    assert page.locator("#co-heading").inner_text() == "Struk peminjaman"  # not "Pinjam buku"


def test_borrowing_shows_the_refused_book_the_limit_and_asks_before_search_leaves(service, kiosk, page):
    open_kiosk(page, kiosk)
    scan(page, kiosk, "BTM-0001")  # the card at the camera
    wait_mark(page, "checkout-panel", panel="pin")
    keys(page, "pin", PIN)
    wait_mark(page, "checkout-borrow")
    assert page.locator("#co-heading").inner_text() == "Pinjam buku"
    assert "Pindai label QR" in page.locator("#co-borrow-lead").inner_text()
    assert page.locator("#co-borrow-extra").inner_text() == "Buku dipinjam: 0 dari 5 · Denda: Rp7.500"

    (first_code, first_title), (taken_code, taken_title) = service.samples[0], service.samples[1]
    scan(page, kiosk, service.label(first_code))
    wait_mark(page, "checkout-loan")
    scan(page, kiosk, service.label(taken_code))  # out with another member
    refused = wait_mark(page, "checkout-refused", code="already_on_loan")
    assert refused["title"] == taken_title
    row = page.locator("#co-borrow-list li.refused")
    assert taken_title in row.inner_text() and "sedang dipinjam" in row.inner_text()
    assert row.locator("img.co-cover").count() == 1
    page.wait_for_function("document.querySelector('#co-borrow-list li.refused img.co-cover').naturalWidth > 0")
    assert first_title in page.locator("#co-borrow-list li.ok").inner_text()
    assert "Buku dipinjam: 1 dari 5" in page.locator("#co-borrow-extra").inner_text()
    shot(page, "selfcheck-borrow-refused")
    axe(page, "borrowing with a refused book")

    # "Cari" mid-session asks; staying keeps everything.
    page.click("#search-button")
    assert page.locator("#co-leave").is_visible()
    assert "Anda masih masuk" in page.locator("#co-leave").inner_text()
    shot(page, "selfcheck-leave-asked")
    axe(page, "leave dialog")
    page.click("#co-leave-stay")
    assert page.locator("#co-leave").is_hidden() and page.locator("#co-borrow").is_visible()
    assert page.locator("#co-hello").inner_text() == "Halo, Dewi!"
    assert page.locator("#co-borrow-list li").count() == 2
    page.click("#search-button")
    with page.expect_response(lambda r: r.url.endswith("/circulation/session") and r.request.method == "DELETE"):
        page.click("#co-leave-go")
    assert page.locator("#screen-search").is_visible()
    with service.app.app_context():
        assert all(row.ended_at for row in get_session().scalars(select(PatronSession)))


@pytest.mark.parametrize("card, said", [
    ("BTM0002", "Kartu Anda sudah kedaluwarsa"),
    ("BTM0003", "Rp75.000"),
])
def test_a_member_who_cannot_borrow_is_told_so_not_invited_to_scan(service, kiosk, page, card, said):
    open_kiosk(page, kiosk)
    scan(page, kiosk, card)
    wait_mark(page, "checkout-panel", panel="pin")
    keys(page, "pin", PIN)
    state = wait_mark(page, "checkout-borrow")
    assert state["canBorrow"] is False
    lead = page.locator("#co-borrow-lead").inner_text()
    assert "Pindai label QR" not in lead and "tidak dapat meminjam" in lead
    assert said in page.locator("#co-borrow-blocks").inner_text() + page.locator("#co-borrow-extra").inner_text()
    shot(page, f"selfcheck-cannot-borrow-{card}")
    axe(page, "a member who cannot borrow")


def test_a_return_refused_shows_the_book_title_and_cover(service, kiosk, page):
    label = service.label(service.samples[2][0])
    # The demo seeds some copies marked on loan with no loan: a first return puts such a
    # copy right (the desk's repair), so return it once through the relay to start on the shelf.
    page.request.post(kiosk.url + "/service/api/v1/circulation/checkins", data=json.dumps({"payload": label}),
                      headers={"Content-Type": "application/json"})
    open_kiosk(page, kiosk)
    page.click("#circ-return")
    scan(page, kiosk, label)  # on the shelf: nothing to return
    refused = wait_mark(page, "checkin-refused", code="not_on_loan")
    assert refused["title"] == service.samples[2][1]
    row = page.locator("#return-list li.refused").first
    assert service.samples[2][1] in row.inner_text() and "tidak sedang dipinjam" in row.inner_text()
    assert row.locator("img.co-cover").count() == 1
    shot(page, "selfcheck-return-refused")
    axe(page, "return with a refused book")
