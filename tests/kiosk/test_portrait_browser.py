"""The kiosk page on a floor-standing portrait screen (1080x1920) and on the
usual landscape one (1920x1080), in a real browser (Debian's Chromium
through Playwright) against a real kiosk process and a real content service
with the demo library: the attract, search, self-checkout (card, PIN,
borrowing) and book screens.

On every screen nothing runs off the side, the buttons a person needs are
on screen and at least 48 px, and the layout follows the screen: in
portrait the book's cover stands above its title and the keyboard and
results span the width; in landscape they sit side by side as before.
Screenshots of each screen in both orientations go to test-artifacts/kiosk/
(portrait-*.png, landscape-*.png); each is checked with axe-core."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from content_service.catalogue.models import Book
from content_service.circulation.models import Patron
from content_service.circulation.patrons import hash_pin
from content_service.db import get_session
from content_service.events import calendar, schedule
from kiosk.app import KioskServer, create_app
from tests.kiosk.live import LiveService, kiosk_page

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "kiosk"
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)
CARD, PIN = "2171000077", "1357"
SCREENS = {"portrait": {"width": 1080, "height": 1920}, "landscape": {"width": 1920, "height": 1080}}
TOUCH = 48  # px: the smallest touch target


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("portrait-service"))
    now = schedule.now()
    with live.app.app_context():
        session = get_session()
        session.add(Patron(card_number=CARD, name="Dewi Lestari", category="adult", pin_hash=hash_pin(PIN, rounds=1000)))
        laskar = session.scalars(select(Book).where(Book.title == "Laskar Pelangi")).first()
        calendar.save_event(
            session, title="Mendongeng Bersama", title_en="Storytelling together", category="storytelling",
            audience="children", location="Ruang Anak", starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=1), book_ids=[laskar.id])
        for days, title, category in ((2, "Kelas Menulis Kreatif", "class"), (3, "Diskusi Buku Bumi", "discussion"),
                                      (5, "Kunjungan Sekolah SMPN 3", "school_visit")):
            calendar.save_event(session, title=title, category=category, audience="all", location="Aula",
                                starts_at=now + timedelta(days=days), ends_at=now + timedelta(days=days, hours=2))
        session.commit()
    yield live
    live.close()


@pytest.fixture(scope="module")
def kiosk(service):
    server = KioskServer(create_app({"SERVICE_URL": service.url, "KIOSK_KEY": service.key, "HEALTH_INTERVAL": 0.5,
                                     "EVENTS_ROTATE_SECONDS": 600})).start(scan=False)
    yield server
    server.stop()


@pytest.fixture(params=list(SCREENS))
def page(browser, kiosk, request):
    """The kiosk page on a screen of either orientation (``page.orientation``)."""
    with kiosk_page(browser, kiosk.url, SCREENS[request.param]) as page:
        page.orientation = request.param
        yield page


def scan(page, kiosk, payload: str) -> None:
    """What a desk scanner does: hand the kiosk a payload to resolve."""
    page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                      headers={"Content-Type": "application/json"})


def wait_mark(page, name: str, timeout: float = 15_000, **match) -> dict:
    where = "".join(f" && m[{k!r}] === {json.dumps(v)}" for k, v in match.items())
    page.wait_for_function(f"Kiosk.marks.some(m => m.name === {name!r}{where})", timeout=timeout)
    return page.evaluate(f"Kiosk.marks.filter(m => m.name === {name!r})")[-1]


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found, f"{selector} is not shown"
    return found


def bottom(b: dict) -> float:
    return b["y"] + b["height"]


def right(b: dict) -> float:
    return b["x"] + b["width"]


def check_screen(page, name: str, needed: list[str]) -> None:
    """Nothing wider than the screen, every `needed` element fully on screen
    without scrolling, every button of the screen shown at least 48 px each
    way; then a screenshot and axe."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    page.evaluate("window.scrollTo(0, 0)")
    scroll_width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert scroll_width <= width, f"{name}: the page is {scroll_width} px wide on a {width} px screen"
    for selector in needed:
        b = box(page, selector)
        assert b["x"] >= 0 and right(b) <= width + 0.5 and b["y"] >= 0 and bottom(b) <= height + 0.5, \
            f"{name}: {selector} is not on the {width}x{height} screen: {b}"
    small = page.evaluate("""([scope, least]) => [...document.querySelectorAll(scope + ' button, .topbar button')]
        .filter(b => b.offsetParent !== null)
        .map(b => [b.id || b.dataset.key || b.className, b.getBoundingClientRect()])
        .filter(([, r]) => r.width < least - 0.5 || r.height < least - 0.5)
        .map(([n, r]) => `${n} ${Math.round(r.width)}x${Math.round(r.height)}`)""",
                          [f"#screen-{page.evaluate('Kiosk.state.current')}", TOUCH])
    assert not small, f"{name}: touch targets under {TOUCH} px: {small}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{page.orientation}-{name}.png"))
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url="/vendor/axe.min.js")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.orientation} {name}: {bad}"


def event_cards(page) -> list[dict]:
    """The boxes of the event cards shown, each wholly on the screen."""
    cards = [box(page, f"#events-rotator .event-card >> nth={n}")
             for n in range(page.locator("#events-rotator .event-card").count())]
    for card in cards:
        assert bottom(card) <= page.viewport_size["height"] + 0.5, f"an event card runs off the screen: {card}"
    return cards


def test_attract_screen(page):
    page.locator("#events-rotator .event-card").first.wait_for()
    check_screen(page, "attract", ["#attract-title", "#events-rotator .event-card", "#circ-borrow", "#search-button"])
    cards = event_cards(page)
    # The panel holds several events at once: four in two columns under the camera, three beside it.
    assert len(cards) == (4 if page.orientation == "portrait" else 3), cards
    if page.orientation == "portrait":
        assert cards[1]["x"] >= right(cards[0]) and abs(cards[1]["y"] - cards[0]["y"]) < 1, cards
    title, preview, events = box(page, "#attract-title"), box(page, "#camera-preview"), box(page, ".events-panel")
    screen_height = page.viewport_size["height"]
    if page.orientation == "portrait":
        # One column down the tall screen: scan prompt and camera, then the events, to the bottom.
        assert events["y"] >= bottom(preview), (preview, events)
        assert events["width"] >= 0.9 * (page.viewport_size["width"] - 2 * title["x"]), events
        assert preview["width"] >= 0.6 * page.viewport_size["width"], preview
        assert bottom(events) >= 0.85 * screen_height, f"the attract screen leaves the bottom empty: {events}"
    else:
        assert events["x"] >= right(title) and events["y"] < bottom(preview), (title, events)


def test_search_screen(page):
    page.click("#search-button")
    for letter in "laskar":
        page.click(f"#keyboard button[data-key='{letter}']")
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'search-results' && m.q === 'laskar')")
    page.locator("#search-results .cover-button").first.wait_for()
    check_screen(page, "search", ["#search-input", "#keyboard", "#search-results .cover-button",
                                  "#keyboard button[data-key='enter']"])
    width = page.viewport_size["width"]
    keyboard, results = box(page, "#keyboard"), box(page, "#search-results")
    assert results["width"] >= 0.9 * width - 70, results
    if page.orientation == "portrait":
        # The keys spread over the width (a wider keyboard than landscape's compact one).
        first, last = box(page, "#keyboard button[data-key='1']"), box(page, "#keyboard button[data-key='0']")
        assert right(last) - first["x"] >= 0.85 * width, (first, last)
        assert keyboard["width"] >= 0.9 * width - 70, keyboard
        assert box(page, "#keyboard button[data-key='q']")["height"] >= 64


def test_child_mode_attract_search_and_book_screens(page, kiosk, service):
    """Child mode makes everything bigger: it must still fit either screen."""
    page.click("#child-button")
    page.wait_for_function("Kiosk.state.child && document.documentElement.classList.contains('child')")
    page.wait_for_function("document.querySelector('#events-rotator').dataset.child === 'true'")
    assert page.locator("#events-rotator .event-card h3").first.inner_text() == "Mendongeng Bersama"
    check_screen(page, "child-attract", ["#attract-title", "#events-rotator .event-card", "#search-button"])
    assert len(event_cards(page)) >= 2
    page.click("#search-button")
    for letter in "caterpillar":
        page.click(f"#keyboard button[data-key='{letter}']")
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'search-results' && m.q === 'caterpillar')")
    page.locator("#search-results .cover-button").first.wait_for()
    check_screen(page, "child-search", ["#search-input", "#keyboard", "#search-results .cover-button",
                                        "#keyboard button[data-key='enter']"])
    code, title = service.samples[2]  # The Very Hungry Caterpillar, with its illustration
    scan(page, kiosk, service.label(code))
    wait_mark(page, "title")
    page.locator("#book-cover").wait_for()
    page.wait_for_function("document.getElementById('book-cover').complete")
    check_screen(page, "child-book", ["#book-cover", "#book-title", "#book-read"])
    if page.orientation == "portrait":
        assert bottom(box(page, "#book-cover")) <= box(page, ".book-facts")["y"]


def test_checkout_card_pin_and_borrow_screens(page, kiosk, service):
    page.click("#circ-borrow")
    wait_mark(page, "checkout-panel", panel="card")
    check_screen(page, "checkout-card", ["#co-card .keypad", "#co-card .keypad button[data-key='ok']",
                                         "#co-card-cancel"])
    if page.orientation == "portrait":
        keys = box(page, "#co-card .keypad")
        assert keys["width"] >= 0.85 * page.viewport_size["width"], keys
    for key in CARD:
        page.click(f"#co-card .keypad button[data-key='{key}']")
    page.click("#co-card .keypad button[data-key='ok']")
    wait_mark(page, "checkout-panel", panel="pin")
    check_screen(page, "checkout-pin", ["#co-pin .keypad", "#co-pin .keypad button[data-key='ok']", "#co-pin-back"])
    for key in PIN + "k":
        page.click(f"#co-pin .keypad button[data-key='{'ok' if key == 'k' else key}']")
    wait_mark(page, "checkout-panel", panel="borrow")
    # The orientation in the copy: one borrowed per run, each a book of its own.
    code, title = service.samples[0 if page.orientation == "portrait" else 1]
    scan(page, kiosk, service.label(code))
    wait_mark(page, "checkout-loan", title=title)
    check_screen(page, "checkout-borrow", ["#co-borrow-list li.ok", "#co-done", "#co-to-account"])
    page.click("#co-to-account")
    wait_mark(page, "checkout-account")
    check_screen(page, "checkout-account", ["#co-account-list li", "#co-renew-all", "#co-account-done"])
    page.click("#co-account-done")
    wait_mark(page, "checkout-receipt")
    check_screen(page, "checkout-receipt", ["#co-qr", "#co-finish"])
    page.click("#co-finish")
    if page.locator("#screen-survey").is_visible():
        page.click("#survey-skip")
    page.locator("#screen-attract").wait_for()
    # The same book back, without a card.
    page.click("#circ-return")
    scan(page, kiosk, service.label(code))
    wait_mark(page, "checkin", title=title)
    check_screen(page, "return", ["#return-list li", "#return-done"])


def test_event_screen(page):
    page.locator("#events-rotator .event-card h3", has_text="Mendongeng Bersama").click()
    page.locator("#screen-event").wait_for()
    page.wait_for_function("document.getElementById('event-qr').complete")
    check_screen(page, "event", ["#event-title", "#event-when", "#event-qr", "#home-button"])


def test_book_screen(page, kiosk, service):
    code, title = service.samples[2]  # The Very Hungry Caterpillar: a cover, a picture, a summary
    scan(page, kiosk, service.label(code))
    wait_mark(page, "title")
    page.locator("#book-cover").wait_for()
    page.wait_for_function("document.getElementById('book-cover').complete")
    check_screen(page, "book", ["#book-cover", "#book-title", "#book-read", "#book-availability"])
    cover, facts, summary = box(page, "#book-cover"), box(page, ".book-facts"), box(page, "#book-summary")
    if page.orientation == "portrait":
        # The cover (larger than in landscape) on top, the title block under it across the width.
        assert bottom(cover) <= facts["y"], (cover, facts)
        assert facts["width"] >= 0.85 * page.viewport_size["width"], facts
        assert cover["height"] >= 500, cover
        if page.locator("#book-live").is_visible():  # a kiosk with a camera: its picture beside the cover
            live = box(page, "#book-live")
            assert live["y"] < bottom(cover) and live["x"] >= right(cover), (cover, live)
        assert summary["y"] >= bottom(facts)
    else:
        assert facts["x"] >= right(cover) and facts["y"] < bottom(cover), (cover, facts)


def test_survey_screen_with_its_keyboard(page, kiosk, service):
    scan(page, kiosk, service.label(service.samples[2][0]))
    wait_mark(page, "title")
    page.click("#home-button")  # leaving a book asks the survey
    page.locator("#screen-survey").wait_for()
    page.evaluate("Kiosk.config.surveyAutoSeconds = 600")
    page.click("#survey-faces .face[data-rating='5']")
    check_screen(page, "survey", ["#survey-comment", "#survey-send", "#survey-keyboard",
                                  "#survey-keyboard button[data-key='backspace']"])
    if page.orientation == "portrait":
        first, last = box(page, "#survey-keyboard button[data-key='1']"), box(page, "#survey-keyboard button[data-key='0']")
        assert right(last) - first["x"] >= 0.85 * page.viewport_size["width"], (first, last)
