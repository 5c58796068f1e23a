"""The kiosk page in a real browser (Debian's Chromium through Playwright),
fed by a real kiosk process part (scanner on a generated video, resolver,
SSE) and a real content service with the demo library.

Screenshots of every screen go to test-artifacts/kiosk/; each screen is
checked with axe-core (no serious or critical violations)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.app import KioskServer, create_app
from kiosk.scan.decoding import decode
from tests.kiosk.live import LiveService, book_video, expose_core, scan_latencies

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "kiosk"
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("service"))
    yield live
    live.close()


@pytest.fixture
def kiosks(service):
    """Start kiosks on the live service: kiosks(source=..., scan=False, **config)."""
    started = []

    def start(service_=None, scan=True, port=0, **config):
        live = service_ or service
        settings = {"SERVICE_URL": live.url, "KIOSK_KEY": live.key, "HEALTH_INTERVAL": 0.5, **config}
        server = KioskServer(create_app(settings), port=port).start(scan=scan)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


VIEWPORT = {"width": 1280, "height": 800}  # the kiosk page fixture (conftest) reads it


def open_kiosk(page, kiosk):
    page.goto(kiosk.url + "/")
    expose_core(page)
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'connected')")


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def axe(page, name: str) -> None:
    """No serious or critical accessibility violation on the screen shown."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url="/vendor/axe.min.js")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def scan(page, kiosk, payload: str) -> dict:
    """What a desk scanner does: hand the kiosk a payload to resolve."""
    return page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                             headers={"Content-Type": "application/json"}).json()


def wait_mark(page, name: str, after: int = 0, timeout: float = 10_000) -> dict:
    page.wait_for_function(f"Kiosk.marks.filter(m => m.name === {name!r}).length > {after}", timeout=timeout)
    return page.evaluate(f"Kiosk.marks.filter(m => m.name === {name!r})")[-1]


def count_marks(page, name: str) -> int:
    return page.evaluate(f"Kiosk.marks.filter(m => m.name === {name!r}).length")


def test_a_book_held_to_the_camera_appears_on_screen_with_its_ar_sticker(service, kiosks, page, tmp_path):
    code, title = service.samples[2]  # The Very Hungry Caterpillar: a children's book with an AR overlay
    truth = book_video(tmp_path / "book.mp4", service.label(code), passes=1, seed=5, title=title)
    kiosk = kiosks(SOURCE=truth["path"], scan=False)
    open_kiosk(page, kiosk)
    page.locator("#events-empty").wait_for()  # no events yet: the empty state
    shot(page, "attract")
    axe(page, "attract")
    kiosk.runtime.scanner.start()  # the video starts now: the page is listening
    wait_mark(page, "title", timeout=20_000)
    assert page.locator("#book-title").inner_text() == title
    assert page.locator("#screen-attract").is_hidden()
    assert "eksemplar" in page.locator("#book-availability").inner_text()
    assert page.locator("#book-cover").get_attribute("src").startswith(service.url + "/media/")
    assert page.locator("#book-extras .gallery img").count() == 1  # the demo illustration
    latencies = scan_latencies(kiosk.runtime, truth, page.evaluate("Kiosk.marks"))
    assert len(latencies) == 1
    # Generous bound for a shared CI machine; the target (p95 <= 250 ms) is measured by benchmarks/bench_kiosk.py.
    assert 0 < latencies[0]["ms"] < 3000, latencies
    print(f"scan-to-title-visible: {latencies[0]['ms']:.0f} ms (resolve {latencies[0]['resolve_ms']:.0f} ms)")
    shot(page, "book")
    axe(page, "book")

    # The AR sticker: fetched after the title is up, then drawn onto the label's corners in the preview.
    preview = kiosk.runtime.preview
    payload = service.label(code)
    deadline = time.monotonic() + 5
    while payload not in preview.overlays and time.monotonic() < deadline:
        time.sleep(0.05)
    assert payload in preview.overlays
    capture = cv2.VideoCapture(truth["path"])
    held = (truth["passes"][0]["first_visible"] + truth["passes"][0]["last_visible"]) // 2
    capture.set(cv2.CAP_PROP_POS_FRAMES, held)
    ok, frame = capture.read()
    capture.release()
    assert ok
    scans = decode(frame)
    assert [s.text for s in scans] == [payload]
    with_ar, without = preview.render(frame, scans), preview.render(frame, [])
    scale = with_ar.shape[1] / frame.shape[1]
    label = np.int32([[x * scale, y * scale] for x, y in scans[0].corners])
    inside = np.zeros(with_ar.shape[:2], np.uint8)
    cv2.fillConvexPoly(inside, label, 1)
    changed = np.abs(with_ar.astype(int) - without.astype(int)).sum(axis=2) > 30
    assert changed[inside == 1].mean() > 0.2  # the sticker covers the label...
    assert changed[cv2.dilate(inside, np.ones((15, 15), np.uint8)) == 0].mean() == 0  # ...and nothing else
    cv2.imwrite(str(ARTIFACTS / "preview-ar.png"), with_ar)


def test_a_qr_that_is_not_ours_shows_a_gentle_message_and_goes_nowhere(service, kiosks, page, tmp_path):
    truth = book_video(tmp_path / "foreign.mp4", "https://promo.example.com/diskon", frames=90, passes=1, seed=7,
                       title="Promo")
    kiosk = kiosks(SOURCE=truth["path"], scan=False)
    open_kiosk(page, kiosk)
    kiosk.runtime.scanner.start()
    notice = wait_mark(page, "notice", timeout=20_000)
    assert "bukan kode perpustakaan" in notice["text"]
    assert page.locator("#notice").is_visible()
    assert page.locator("#screen-attract").is_visible() and page.url == kiosk.url + "/"
    assert kiosk.runtime.recent[-1]["error"]["code"] == "not_ours"
    shot(page, "not-ours")
    axe(page, "not-ours notice")


def test_language_switch_and_child_mode(service, kiosks, page):
    kiosk = kiosks()
    open_kiosk(page, kiosk)
    code, title = service.samples[2]  # The Very Hungry Caterpillar: a children's book
    scan(page, kiosk, service.label(code))
    wait_mark(page, "title")
    assert "eksemplar" in page.locator("#book-availability").inner_text()
    assert page.locator("#book-read").inner_text() == "Bacakan"  # offered outside child mode too
    page.click("#lang-button")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "cop" in page.locator("#book-availability").inner_text()
    assert page.locator("#lang-button").inner_text() == "Bahasa Indonesia"
    assert page.locator("#search-button").inner_text() == "Search"
    page.click("#child-button")
    assert page.locator("body.child").count() == 1
    big = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert big >= 28
    summary = page.locator("#book-summary").inner_text()
    assert summary.count(". ") == 0  # simplified: one sentence
    read = page.locator("#book-read")
    assert read.is_visible() and read.inner_text() == "Read aloud"
    shot(page, "book-child-en")
    axe(page, "book, child mode, English")
    read.click()  # no narration asset in the demo: the service's generated one, in English
    mark = wait_mark(page, "read-aloud", timeout=20_000)
    assert mark["via"] == "generated" and mark["lang"] == "en"
    read.click()  # stop
    page.click("#lang-button")
    assert page.locator("#search-button").inner_text() == "Cari"


def test_search_with_the_on_screen_keyboard(service, kiosks, page):
    kiosk = kiosks()
    open_kiosk(page, kiosk)
    page.click("#search-button")
    for letter in "laskar":
        page.click(f"#keyboard button[data-key='{letter}']")
    assert page.locator("#search-input").input_value() == "laskar"
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'search-results' && m.q === 'laskar')")
    covers = page.locator("#search-results .cover-button")
    assert covers.count() >= 1, page.locator("#search-info").inner_text()
    assert "Laskar Pelangi" in covers.first.inner_text()
    shot(page, "search")
    axe(page, "search")
    keyboard = page.locator("#keyboard").bounding_box()
    assert keyboard["y"] + keyboard["height"] <= 800, "the keyboard must be in reach without scrolling"
    covers.first.click()
    wait_mark(page, "title")
    assert page.locator("#book-title").inner_text() == "Laskar Pelangi"
    # "More like this" (same subject or author); a tap opens that book.
    related = page.locator("#book-related .cover-button")
    related.first.wait_for()
    other = related.first.inner_text()
    assert other and other != "Laskar Pelangi"
    related.first.click()
    wait_mark(page, "title", after=1)
    assert page.locator("#book-title").inner_text().startswith(other.split(":")[0])


def test_a_desk_scanner_typing_a_code_opens_the_book_and_slow_typing_does_not(service, kiosks, page):
    kiosk = kiosks()
    open_kiosk(page, kiosk)
    code, title = service.samples[1]
    page.keyboard.type(code, delay=250)  # a person at a keyboard: too slow for a scanner
    page.keyboard.press("Enter")
    # A scanner's burst: every key within a millisecond or two (sent in one go so that
    # a busy test machine cannot stretch the gaps the way it stretches Playwright's keystrokes).
    page.evaluate("""text => {
        for (const key of [...text, "Enter"]) document.dispatchEvent(new KeyboardEvent("keydown", {key}));
    }""", service.label(code))
    wait_mark(page, "title")
    assert page.locator("#book-title").inner_text() == title
    assert [m["payload"] for m in kiosk.runtime.recent] == [service.label(code)]


def test_idle_warning_then_back_to_attract_with_everything_wiped(service, kiosks, page):
    kiosk = kiosks(IDLE_SECONDS=4, IDLE_WARNING_SECONDS=2.5)
    open_kiosk(page, kiosk)
    scan(page, kiosk, service.label(service.samples[0][0]))
    wait_mark(page, "title")
    page.click("#lang-button")
    page.click("#child-button")
    page.locator("#idle-warning").wait_for(state="visible")
    shot(page, "idle-warning")
    axe(page, "idle warning")
    wait_mark(page, "reset", timeout=5_000)
    assert page.locator("#screen-attract").is_visible() and page.locator("#screen-book").is_hidden()
    assert page.evaluate("[Kiosk.state.lang, Kiosk.state.child, document.body.classList.contains('child')]") == \
        ["id", False, False]
    assert page.locator("#book-extras").inner_html() == ""
    assert page.locator("#idle-warning").is_hidden()


def test_service_down_keeps_cached_books_and_recovers_by_itself(service, kiosks, page):
    own = service.sibling()  # stopped and restarted here: not the shared one
    try:
        kiosk = kiosks(own)
        open_kiosk(page, kiosk)
        known, other = own.label(own.samples[0][0]), own.label(own.samples[1][0])
        scan(page, kiosk, known)
        wait_mark(page, "title")
        own.stop()
        page.locator("#status.warn").wait_for()
        assert "tidak tersedia" in page.locator("#status").inner_text()
        scan(page, kiosk, known)
        wait_mark(page, "title", after=1)
        assert page.locator("#book-cached").is_visible()
        assert page.locator("#book-title").inner_text() == own.samples[0][1]
        shot(page, "service-down")
        notices = count_marks(page, "notice")
        scan(page, kiosk, other)
        assert "tidak tersedia" in wait_mark(page, "notice", after=notices)["text"]
        own.start()
        wait_mark(page, "service-up", timeout=10_000)
        assert page.locator("#status").inner_text() == ""
        scan(page, kiosk, other)
        wait_mark(page, "title", after=2)
        assert page.locator("#book-title").inner_text() == own.samples[1][1]
        assert page.locator("#book-cached").is_hidden()
    finally:
        own.close()


def test_a_lost_camera_is_said_and_comes_back_by_itself(kiosks, page, tmp_path):
    video = book_video(tmp_path / "camera.mp4", "https://example.org/", frames=60, passes=1)["path"]
    # The "camera" is a network camera: another kiosk's MJPEG preview of a looping video.
    camera = kiosks(SOURCE=video, LOOP=True)
    kiosk = kiosks(SOURCE=camera.url + "/preview.mjpg")
    open_kiosk(page, kiosk)
    page.wait_for_function("Kiosk.state.camera === 'running'")
    port = camera.port
    camera.stop()  # unplugged
    page.locator("#status.warn").wait_for()
    assert "Kamera tidak terhubung" in page.locator("#status").inner_text()
    assert kiosk.runtime.camera_state == "reconnecting"
    shot(page, "camera-lost")
    kiosks(SOURCE=video, LOOP=True, port=port)  # plugged back in
    page.wait_for_function("Kiosk.state.camera === 'running'", timeout=20_000)
    assert page.locator("#status").inner_text() == ""
    assert kiosk.runtime.scanner.reconnects >= 1


def tiny_glb() -> bytes:
    """A valid binary glTF: one triangle."""
    import struct

    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    gltf = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
            "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
            "buffers": [{"byteLength": len(positions)}],
            "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": len(positions)}],
            "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                           "min": [0, 0, 0], "max": [1, 1, 0]}]}
    text = json.dumps(gltf).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<I4s", len(text), b"JSON") + text + struct.pack("<I4s", len(positions), b"BIN\0") + positions
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body


def tiny_wav(seconds: float = 1.0) -> bytes:
    """A short 440 Hz tone as 16-bit PCM WAV."""
    import io
    import wave

    rate = 8000
    samples = (np.sin(np.arange(int(rate * seconds)) * 2 * np.pi * 440 / rate) * 8000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue()


def test_book_extras_audio_narration_and_3d_model(service, kiosks, page):
    from sqlalchemy import func, select

    from content_service.db import get_session
    from content_service.media import storage
    from content_service.catalogue.models import Asset, Item
    from content_service.staff.models import AssetPlay

    code, title = service.samples[3]  # no other test scans this book
    with service.app.app_context():
        session = get_session()
        book_id = session.scalar(select(Item.book_id).where(Item.barcode == "DEMO-029-2"))
        # A minute long: with model-viewer rendering (SwiftShader, now that the model
        # loads) headless Chromium's fake audio clock runs several times too fast.
        for kind, data, media_type, name in (("audio", tiny_wav(60.0), "audio/wav", "Narasi · Narration"),
                                             ("model3d", tiny_glb(), "model/gltf-binary", "Model 3D")):
            session.add(Asset(book_id=book_id, kind=kind, title=name, media_hash=storage().put(data),
                              media_type=media_type, language="both", audience="children"))
        session.commit()
    kiosk = kiosks()
    open_kiosk(page, kiosk)
    scan(page, kiosk, service.label(code))
    wait_mark(page, "title")
    assert page.locator("#book-title").inner_text().startswith(title.split(" and ")[0])
    audio = page.locator("#book-extras audio")
    assert audio.count() == 1 and audio.get_attribute("src").endswith(".wav")
    viewer = page.locator("#book-extras model-viewer")
    assert viewer.count() == 1 and viewer.get_attribute("src").endswith(".glb")
    # model-viewer comes from node_modules through the kiosk, and defines its element.
    page.wait_for_function("!!customElements.get('model-viewer')")
    shot(page, "book-extras", full_page=True)
    axe(page, "book with extras")
    toggle = page.locator("#book-extras .media-toggle")
    assert "Putar" in toggle.inner_text()
    toggle.click()  # the large play button
    page.wait_for_function("!document.querySelector('#book-extras audio').paused")
    assert "Jeda" in toggle.inner_text()

    def plays():
        with service.app.app_context():
            return get_session().scalar(select(func.count()).select_from(AssetPlay).where(AssetPlay.channel == "kiosk"))

    deadline = time.monotonic() + 5
    while plays() == 0 and time.monotonic() < deadline:  # the report is a fire-and-forget fetch
        time.sleep(0.1)
    assert plays() >= 1
    # "Bacakan" in child mode plays the book's narration, not the speech synthesis.
    toggle.click()
    assert page.evaluate("document.querySelector('#book-extras audio').paused")
    page.click("#child-button")
    page.click("#book-read")
    assert wait_mark(page, "read-aloud")["via"] == "narration"
