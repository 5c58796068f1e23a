"""The kiosk's visitor screens as people use them (Debian's Chromium through
Playwright, the real content service with the demo library, the real kiosk
process and relay): the book on screen scanned again stays as it is (a
playing video plays on, the scroll stays), and search reaches every book
found ("Lihat lebih banyak"), has an Enter key, a tappable "Maksud Anda",
titles suggested while typing, whole titles (or a real ellipsis) and child
mode searching children's books."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from content_service.catalogue.models import Asset, Item
from content_service.codes.models import Code
from content_service.db import get_session
from content_service.media import storage
from kiosk.app import KioskServer, create_app
from tests.kiosk.live import LiveService, expose_core

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "kiosk"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)
VIEWPORT = {"width": 1280, "height": 900}


def webm(path: Path, seconds: int = 20) -> bytes:
    """A small VP8 video Chromium plays (frames fading grey)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), 10, (160, 120))
    for n in range(seconds * 10):
        writer.write(np.full((120, 160, 3), (n * 3) % 255, np.uint8))
    writer.release()
    return path.read_bytes()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screens-service")
    live = LiveService(folder)
    with live.app.app_context():
        session = get_session()
        code = live.samples[0][0]
        book_id = session.scalar(select(Item.book_id).join(Code, Code.target_id == Item.id).where(Code.code == code))
        session.add(Asset(book_id=book_id, kind="video", title="Cuplikan", media_hash=storage().put(webm(folder / "v.webm")),
                          media_type="video/webm", language="both", audience="all"))
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


def wait_mark(tab, name: str, count: int = 1, **match) -> dict:
    where = "".join(f" && m[{k!r}] === {json.dumps(v)}" for k, v in match.items())
    tab.wait_for_function(f"Kiosk.marks.filter(m => m.name === {name!r}{where}).length >= {count}", timeout=15_000)
    return tab.evaluate(f"Kiosk.marks.filter(m => m.name === {name!r}{where}).pop()")


def scan(page, kiosk, payload: str) -> None:
    page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                      headers={"Content-Type": "application/json"})


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


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


def type_keys(page, text: str) -> None:
    for letter in text:
        page.click(f"#keyboard button[data-key='{letter}']")


def test_the_book_on_screen_scanned_again_stays_as_it_is(service, kiosk, page):
    open_kiosk(page, kiosk)
    code, title = service.samples[0]
    scan(page, kiosk, service.label(code))
    wait_mark(page, "title")
    assert page.locator("#book-title").inner_text().startswith(title)
    page.locator("#book-extras video").wait_for(state="attached")
    page.click("#book-extras .media-toggle")
    page.wait_for_function("!document.querySelector('#book-extras video').paused")
    page.evaluate("document.querySelector('#book-extras video').dataset.first = 'yes'")
    page.evaluate("window.scrollTo(0, 300)")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0, "the book screen must be taller than the window for this test"

    scan(page, kiosk, service.label(code))  # the child holds it up again
    wait_mark(page, "title", again=True)
    page.wait_for_timeout(500)
    assert page.evaluate("document.querySelector('#book-extras video').dataset.first") == "yes"  # the same player
    assert page.evaluate("!document.querySelector('#book-extras video').paused")  # still playing
    assert "Jeda" in page.locator("#book-extras .media-toggle").inner_text()
    assert page.evaluate("window.scrollY") == scrolled
    assert page.locator("#book-title").inner_text().startswith(title)

    scan(page, kiosk, service.label(service.samples[1][0]))  # another book: a new screen, from the top
    wait_mark(page, "title", count=3)
    assert page.locator("#book-title").inner_text().startswith(service.samples[1][1])
    assert page.evaluate("window.scrollY") == 0


def test_search_reaches_every_book_found_and_shows_whole_titles(service, kiosk, page):
    open_kiosk(page, kiosk)
    page.click("#search-button")
    type_keys(page, "the")
    first = wait_mark(page, "search-results", q="the")
    assert first["total"] > 12, "the demo library has more than one page of 'the'"
    total = first["total"]
    info = page.locator("#search-info")
    assert f"{total} buku ditemukan" in info.inner_text() and "(menampilkan 12)" in info.inner_text()
    assert page.locator("#search-results .cover-button").count() == 12
    shot(page, "search-first-page")
    axe(page, "search, first page")
    pages = 1
    while page.locator("#search-more").count():
        page.click("#search-more")
        pages += 1
        wait_mark(page, "search-results", q="the", page=pages)
    covers = page.locator("#search-results .cover-button")
    assert covers.count() == total and pages == -(-total // 12)
    assert "menampilkan" not in info.inner_text()
    # No title cut in the middle of a word: whole, or clamped lines with an ellipsis and the
    # whole title on the button.
    for label in page.evaluate("""[...document.querySelectorAll('#search-results .cover-button')].map(b => {
        const s = b.querySelector('span'); const style = getComputedStyle(s);
        return {title: b.title, text: s.textContent, clamp: style.webkitLineClamp,
                cut: s.scrollHeight > s.clientHeight + 1}; })"""):
        assert label["title"] == label["text"]
        assert not label["cut"] or label["clamp"] in ("2", "3"), label
    shot(page, "search-all-pages")


def test_search_enter_did_you_mean_suggestions_and_child_mode(service, kiosk, page):
    open_kiosk(page, kiosk)
    page.click("#search-button")
    type_keys(page, "laskr")
    page.click("#keyboard button[data-key='enter']")  # no waiting for a pause
    wait_mark(page, "search-results", q="laskr")
    did = page.locator("#search-suggestion")
    assert did.inner_text() == "Maksud Anda: laskar?"
    did.click()
    wait_mark(page, "search-results", q="laskar")
    assert page.locator("#search-input").input_value() == "laskar"
    assert "Laskar Pelangi" in page.locator("#search-results").inner_text()

    page.click("#keyboard button[data-key='clear']")
    type_keys(page, "lask")
    wait_mark(page, "search-suggestions", q="lask")
    chip = page.locator("#search-suggestions .suggestion").first
    assert chip.inner_text() == "Laskar Pelangi"
    shot(page, "search-suggestions")
    axe(page, "search suggestions")
    chip.click()
    wait_mark(page, "title")
    assert page.locator("#book-title").inner_text().startswith("Laskar Pelangi")

    page.click("#search-button")
    page.click("#keyboard button[data-key='clear']")
    type_keys(page, "the")
    adults = wait_mark(page, "search-results", q="the", child=False)
    page.click("#child-button")
    children = wait_mark(page, "search-results", q="the", child=True)
    assert children["total"] < adults["total"]
    assert f"{children['total']} buku ditemukan" in page.locator("#search-info").inner_text()
    shot(page, "search-child-mode")
