"""The kiosk's events parts in a real browser (Debian's Chromium through
Playwright) against a real content service and kiosk process: the events
panel (today highlighted, children first in child mode, a QR per event that
decodes to its page), the event screen with registration by a scanned
library card, "Acara terkait" on the book screen, and the survey after a visit."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from content_service.db import get_session
from content_service.events import calendar, schedule
from content_service.events.models import Feedback, Registration
from content_service.catalogue.models import Book
from kiosk.app import KioskServer, create_app
from kiosk.service import BookCache
from kiosk.scan.decoding import decode
from tests.kiosk.live import LiveService, expose_core, kiosk_page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "kiosk"
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("events-service"), media=False)
    now = schedule.now()
    with live.app.app_context():
        session = get_session()
        laskar = session.scalars(select(Book).where(Book.title == "Laskar Pelangi")).first()
        from content_service.circulation.models import Patron

        session.add_all([Patron(card_number="BK7001", name="Ani"), Patron(card_number="BK7002", name="Budi")])
        live.talk = calendar.save_event(
            session, title="Diskusi Lingkungan", title_en="Environment talk", category="discussion",
            audience="adults", location="Aula Lantai 2", starts_at=now + timedelta(minutes=2),
            ends_at=now + timedelta(hours=2), book_ids=[laskar.id]).id
        live.story = calendar.save_event(
            session, title="Cerita di Pagi Hari", category="storytelling", audience="children", age_min=4,
            age_max=8, location="Ruang Anak", starts_at=now + timedelta(days=1, hours=1),
            ends_at=now + timedelta(days=1, hours=2), rrule="FREQ=WEEKLY", capacity=1,
            registration_required=True).id
        # Two more dates ahead, so the panel has more than it shows at once on a landscape screen.
        live.more = [calendar.save_event(
            session, title=title, title_en=title_en, category=category, audience="all", location="Aula Lantai 1",
            starts_at=now + timedelta(days=days), ends_at=now + timedelta(days=days, hours=2)).id
            for title, title_en, category, days in (
                ("Kelas Menulis Kreatif", "Creative writing class", "class", 3),
                ("Kunjungan Sekolah SDN 5", "School visit", "school_visit", 4))]
        from content_service import codes

        live.story_code = codes.ensure_code(session, "event", live.story).code
        session.commit()
        live.laskar_code = next(code for code, title in live.samples if title == "Laskar Pelangi")
    yield live
    live.close()


@pytest.fixture(scope="module")
def kiosk(service):
    server = KioskServer(create_app({"SERVICE_URL": service.url, "KIOSK_KEY": service.key,
                                     "EVENTS_ROTATE_SECONDS": 600, "HEALTH_INTERVAL": 0.5})).start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, kiosk):
    with kiosk_page(browser, kiosk.url, {"width": 1280, "height": 800}) as page:
        yield page


def scan(page, kiosk, payload: str) -> dict:
    return page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                             headers={"Content-Type": "application/json"}).json()


def wait_mark(page, name: str, after: int = 0) -> dict:
    page.wait_for_function(f"Kiosk.marks.filter(m => m.name === {name!r}).length > {after}", timeout=15_000)
    return page.evaluate(f"Kiosk.marks.filter(m => m.name === {name!r})")[-1]


def axe(page, name: str) -> None:
    """No serious or critical accessibility violation on the screen shown
    (axe-core from node_modules, installed by `make setup`; skipped without it)."""
    if not page.request.get(page.url.split("#")[0].rstrip("/") + "/vendor/axe.min.js").ok:
        return
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url="/vendor/axe.min.js")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def leave_a_book_for_the_survey(page, kiosk, service) -> None:
    """Scan Laskar Pelangi, then leave its screen: the survey asks."""
    scan(page, kiosk, service.label(service.laskar_code))
    wait_mark(page, "title")
    page.click("#home-button")
    page.locator("#screen-survey").wait_for()


def type_on_keys(page, keyboard: str, text: str) -> None:
    """Tap the on-screen keyboard's keys, as a visitor does."""
    for ch in text:
        page.click(f"{keyboard} button[data-key={json.dumps(ch)}]")


def qr_text(element) -> list[str]:
    """Decode a QR code from a screenshot of the element, with the kiosk's own decoder."""
    png = np.frombuffer(element.screenshot(), np.uint8)
    image = cv2.imdecode(png, cv2.IMREAD_COLOR)
    image = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    return [found.text for found in decode(image)]


def test_events_panel_today_first_children_first_and_qr_to_a_phone(page, service):
    card = page.locator("#events-rotator .event-card").first
    card.wait_for()
    assert "Diskusi Lingkungan" in card.inner_text()
    today = schedule.local(schedule.now() + timedelta(minutes=2)).date() == schedule.local(schedule.now()).date()
    assert ("today" in card.get_attribute("class")) == today
    qr = card.locator("img.event-qr")
    page.wait_for_function("document.querySelector('#events-rotator img.event-qr').naturalWidth > 0")
    [url] = qr_text(qr)
    assert url.startswith(f"{service.url}/events/{service.talk}/")
    assert page.request.get(url).ok  # the page a phone opens
    page.click("#child-button")
    page.wait_for_function("document.querySelector('#events-rotator .event-card h3')"
                           ".textContent.includes('Cerita di Pagi Hari')")
    assert "today" not in page.locator("#events-rotator .event-card").first.get_attribute("class")
    page.locator("#events-rotator .event-card h3", has_text="Cerita di Pagi Hari").click()  # a tap opens it
    page.locator("#screen-event").wait_for()
    assert page.locator("#event-title").inner_text() == "Cerita di Pagi Hari"


def card_titles(page) -> list[str]:
    return page.locator("#events-rotator .event-card h3").all_inner_texts()


def test_the_panel_shows_the_next_events_together_and_turns_to_the_rest(page, service):
    page.locator("#events-rotator .event-card").first.wait_for()
    # Beside the camera, three at once, soonest first, filling the panel's height.
    assert card_titles(page) == ["Diskusi Lingkungan", "Cerita di Pagi Hari", "Kelas Menulis Kreatif"]
    panel, last = page.locator(".events-panel").bounding_box(), page.locator(".event-card").last.bounding_box()
    assert last["y"] + last["height"] >= panel["y"] + 0.6 * panel["height"], (panel, last)
    assert page.locator("#events-rotator").get_attribute("data-pages") == "2"
    page.evaluate("Kiosk.config.eventsRotateSeconds = 0.5; Kiosk.show('search'); Kiosk.show('attract')")
    page.wait_for_function("document.querySelector('#events-rotator .event-card h3').textContent"
                           ".includes('Kunjungan Sekolah')")
    assert card_titles(page) == ["Kunjungan Sekolah SDN 5"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "attract-events-page-2.png"))


def test_with_the_service_down_the_panel_keeps_the_last_list(browser, service, tmp_path):
    """The service goes down; then the kiosk process restarts and the page
    reloads; then a restarted kiosk opens in a fresh browser: the events stay
    each time (the relay's last answer, the page's own copy, the cache file)."""
    sibling = service.sibling()
    settings = {"SERVICE_URL": sibling.url, "KIOSK_KEY": service.key, "EVENTS_ROTATE_SECONDS": 600,
                "HEALTH_INTERVAL": 0.5}
    cache = {"CACHE_FILE": str(tmp_path / "kiosk-cache.json")}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = KioskServer(create_app({**settings, **cache})).start()
    try:
        with kiosk_page(browser, server.url, {"width": 1280, "height": 800}) as page:
            page.locator("#events-rotator .event-card").first.wait_for()
            shown = card_titles(page)
            assert len(shown) == 3
            sibling.stop()
            page.evaluate("Kiosk.show('search'); Kiosk.show('attract')")  # asks again: no service
            page.wait_for_function("Kiosk.state.service === 'down'", timeout=15_000)
            assert card_titles(page) == shown and page.locator("#events-empty").is_hidden()
            stale = server.app.test_client().get("/service/api/v1/events/upcoming?limit=24")
            assert stale.status_code == 200 and int(stale.headers["X-Pindai-Stale"]) >= 0
            assert [e["title"] for e in stale.get_json()["items"]][:3] == shown
            # The kiosk process forgets what it kept (as one restarted with no cache file
            # would, on the same address: the page's own copy is per address).
            server.runtime.cache = BookCache()
            assert server.app.test_client().get("/service/api/v1/events/upcoming?limit=24").status_code == 503
            page.reload(wait_until="domcontentloaded")
            expose_core(page)
            page.wait_for_function("Kiosk.marks.some(m => m.name === 'connected')")
            page.locator("#events-rotator .event-card").first.wait_for()
            assert card_titles(page) == shown
    finally:
        server.stop()
    # A restarted kiosk with its cache file, a fresh browser profile.
    server = KioskServer(create_app({**settings, **cache})).start()
    try:
        with kiosk_page(browser, server.url, {"width": 1280, "height": 800}) as page:
            page.locator("#events-rotator .event-card").first.wait_for()
            assert card_titles(page) == shown
            page.screenshot(path=str(ARTIFACTS / "attract-service-down-events.png"))
    finally:
        server.stop()
        sibling.close()


def test_event_screen_registers_a_scanned_card_then_waitlists_the_next(page, kiosk, service):
    scan(page, kiosk, service.label(service.story_code))  # the poster's QR held to the camera
    page.locator("#screen-event").wait_for()
    assert page.locator("#event-title").inner_text() == "Cerita di Pagi Hari"
    assert "Sisa 1 kursi" in page.locator("#event-seats").inner_text()
    assert page.locator("#event-register").is_visible()
    page.wait_for_function("document.getElementById('event-qr').naturalWidth > 0")
    [url] = qr_text(page.locator("#event-qr"))
    assert f"/events/{service.story}/" in url
    scan(page, kiosk, "BK7001")
    wait_mark(page, "event-registration")
    assert "Nomor kursi Anda: 1" in page.locator("#event-result").inner_text()
    axe(page, "event screen")
    assert "Penuh" in page.locator("#event-seats").inner_text()
    scan(page, kiosk, "BK7002")
    wait_mark(page, "event-registration", after=1)
    assert "daftar tunggu, urutan ke-1" in page.locator("#event-result").inner_text()
    scan(page, kiosk, "BK7001")
    wait_mark(page, "event-registration", after=2)
    assert "sudah terdaftar" in page.locator("#event-result").inner_text()
    with service.app.app_context():
        rows = get_session().execute(select(Registration.card_number, Registration.status, Registration.channel)).all()
    assert sorted(rows) == [("BK7001", "confirmed", "kiosk"), ("BK7002", "waitlisted", "kiosk")]


def test_book_screen_shows_the_related_event_and_leaving_asks_the_survey(page, kiosk, service):
    scan(page, kiosk, service.label(service.laskar_code))
    wait_mark(page, "related-event")
    box = page.locator("#book-event-box")
    assert box.is_visible() and "Diskusi Lingkungan" in box.inner_text() and "Acara terkait" in box.inner_text()
    page.click("#lang-button")  # the card follows the language switch, as the rest of the screen does
    page.wait_for_function("document.getElementById('book-event-box').textContent.includes('Environment talk')")
    assert "Related event" in box.inner_text() and "Diskusi Lingkungan" not in box.inner_text()
    page.click("#lang-button")
    page.wait_for_function("document.getElementById('book-event-box').textContent.includes('Diskusi Lingkungan')")
    page.click("#home-button")
    page.locator("#screen-survey").wait_for()
    assert page.locator("#survey-faces .face").count() == 5
    axe(page, "survey")
    page.click("#survey-faces .face[data-rating='5']")
    type_on_keys(page, "#survey-keyboard", "seru, anak saya senang")
    page.click("#survey-send")
    sent = wait_mark(page, "survey-sent")
    assert sent["rating"] == 5 and sent["context"] == "kiosk_book"
    page.locator("#screen-attract").wait_for()  # back to the start after the thanks
    with service.app.app_context():
        answer = get_session().scalars(select(Feedback).order_by(Feedback.id.desc())).first()
    assert (answer.rating, answer.comment, answer.context, answer.kiosk_id is not None) == (
        5, "seru, anak saya senang", "kiosk_book", True)
    # Once per visit: leaving a book again does not ask twice.
    scan(page, kiosk, service.label(service.laskar_code))
    wait_mark(page, "related-event", after=1)
    page.click("#home-button")
    assert page.locator("#screen-attract").is_visible() and page.locator("#screen-survey").is_hidden()


def test_a_comment_typed_on_the_survey_keyboard_is_stored(page, kiosk, service):
    """A kiosk has no physical keyboard: the comment is typed on the screen's keys."""
    leave_a_book_for_the_survey(page, kiosk, service)
    page.evaluate("Kiosk.config.surveyAutoSeconds = 2")
    assert page.locator("#survey-faces .face[data-rating='4']").inner_text() == "Baik"  # Indonesian from the start
    page.click("#survey-faces .face[data-rating='4']")
    comment, keys = page.locator("#survey-comment"), page.locator("#survey-keyboard")
    assert comment.get_attribute("readonly") is not None  # no system keyboard pops up on the touch screen
    assert keys.is_visible() and keys.get_attribute("aria-label") == "Papan ketik untuk komentar Anda"
    assert page.locator("#survey-keyboard button[data-key=' ']").inner_text() == "spasi"
    type_on_keys(page, "#survey-keyboard", "bagux")
    page.click("#survey-keyboard button[data-key='backspace']")
    page.wait_for_timeout(2500)  # longer than the countdown: a key stopped it
    assert page.evaluate("Kiosk.marks.filter(m => m.name === 'survey-sent').length") == 0
    type_on_keys(page, "#survey-keyboard", "s, buku banyak!")
    assert comment.input_value() == "bagus, buku banyak!"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "survey-keyboard.png"))
    axe(page, "survey with its keyboard")
    send = page.locator("#survey-send").bounding_box()
    assert send["y"] + send["height"] <= page.viewport_size["height"], "Send is on screen under the keyboard"
    page.click("#survey-send")
    sent = wait_mark(page, "survey-sent")
    assert (sent["rating"], sent["comment"]) == (4, "bagus, buku banyak!")
    thanks = page.locator("#survey-thanks")
    assert thanks.is_visible() and thanks.inner_text() == "Terima kasih atas pendapat Anda!"
    with service.app.app_context():
        answer = get_session().scalars(select(Feedback).order_by(Feedback.id.desc())).first()
    assert (answer.rating, answer.comment, answer.context) == (4, "bagus, buku banyak!", "kiosk_book")


def test_the_survey_keyboard_stops_at_the_comment_s_length_limit(page, kiosk, service):
    leave_a_book_for_the_survey(page, kiosk, service)
    page.click("#survey-faces .face[data-rating='3']")
    limit = int(page.locator("#survey-comment").get_attribute("maxlength"))
    assert limit == 500  # the service keeps 500 characters
    page.evaluate("n => { document.getElementById('survey-comment').value = 'x'.repeat(n); }", limit - 2)
    type_on_keys(page, "#survey-keyboard", "abc")
    assert page.locator("#survey-comment").input_value() == "x" * (limit - 2) + "ab"
    page.click("#survey-keyboard button[data-key='backspace']")
    type_on_keys(page, "#survey-keyboard", "z")
    page.click("#survey-send")
    assert wait_mark(page, "survey-sent")["comment"] == "x" * (limit - 2) + "az"


def test_one_tap_is_an_answer(page, kiosk, service):
    scan(page, kiosk, service.label(service.laskar_code))
    wait_mark(page, "title")
    page.click("#home-button")
    page.evaluate("Kiosk.config.surveyAutoSeconds = 1")
    page.click("#survey-faces .face[data-rating='2']")
    sent = wait_mark(page, "survey-sent")  # sent by itself after the countdown
    assert sent["rating"] == 2 and sent["comment"] is None


def test_a_member_finishing_self_checkout_is_asked_too(page):
    if not page.evaluate("!!document.getElementById('co-finish')"):
        pytest.skip("no self-checkout screen on this kiosk")
    page.evaluate("Kiosk.show('checkout', {mode: 'borrow'}); document.getElementById('co-finish').click()")
    page.locator("#screen-survey").wait_for()
    page.click("#survey-faces .face[data-rating='4']")
    page.click("#survey-send")
    sent = wait_mark(page, "survey-sent")
    assert (sent["rating"], sent["context"]) == (4, "kiosk_checkout")
    wait_mark(page, "reset")  # then everything is wiped, as after any member session
    assert page.locator("#screen-attract").is_visible()
