"""The kiosk page's own machinery in Chromium: ES modules with nothing on
`window`, t()/nt()/pt() reading the served catalogues, and the one fetch
wrapper (timeouts, JSON errors, service-down detection).

The content service here is a TCP port that accepts connections and never
answers (a hung service), so the relay's and the page's timeouts both show."""
from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from kiosk.app import KioskServer, create_app
from tests.kiosk.live import kiosk_page

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "kiosk" / "static"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def hung_service():
    """A listening socket nobody reads: connections open, answers never come."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


@pytest.fixture(scope="module")
def kiosk(hung_service):
    server = KioskServer(create_app({"SERVICE_URL": hung_service, "RELAY_TIMEOUT": 1.0, "SERVICE_TIMEOUT": 0.5,
                                     "HEALTH_INTERVAL": 0.5})).start(scan=False)
    yield server
    server.stop()


@pytest.fixture
def page(browser, kiosk):
    with kiosk_page(browser, kiosk.url, {"width": 1280, "height": 800}, ready="ready") as page:
        yield page


def test_the_page_is_es_modules_with_one_fetch_and_no_globals(page):
    scripts = page.evaluate("[...document.scripts].map(s => s.type)")
    assert set(scripts) == {"module", "application/json"}  # the JSON block is the page config
    assert page.evaluate("typeof window.KIOSK_CONFIG") == "undefined"
    sources = {p.relative_to(STATIC).as_posix(): p.read_text(encoding="utf-8") for p in STATIC.rglob("*.js")}
    assert [name for name, text in sources.items() if re.search(r"\bfetch\(", text)] == ["js/http.js"]
    assert [name for name, text in sources.items() if re.search(r"\bwindow\.\w+\s*=(?!=)", text)] == []


def test_plurals_and_contexts_come_from_the_served_catalogue(page):
    nt = """async ([n, lang]) => {
        const core = await import('/static/js/core.js'), i18n = await import('/static/js/i18n.js');
        core.setLang(lang);
        return i18n.nt('{n} book found', '{n} books found', n);
    }"""
    assert page.evaluate(nt, [1, "id"]) == "1 buku ditemukan"
    assert page.evaluate(nt, [3, "id"]) == "3 buku ditemukan"
    assert page.evaluate(nt, [1, "en"]) == "1 book found"
    assert page.evaluate(nt, [3, "en"]) == "3 books found"
    page.evaluate("Kiosk.setLang('id')")
    assert page.locator("#survey-faces .face[data-rating='3'] .face-label").inner_text() == "Biasa saja"
    assert page.locator("#co-card .keypad button[data-key='ok']").inner_text() == "OK"  # the same English, its own word
    page.click("#lang-button")
    assert page.locator("#attract-title").inner_text() == "Scan a book here"
    assert page.locator("#survey-faces .face[data-rating='3'] .face-label").inner_text() == "OK"
    assert page.locator("#keyboard").get_attribute("aria-label") == "Keyboard"
    page.click("#lang-button")
    assert page.locator("#attract-title").inner_text() == "Pindai buku di sini"
    assert page.locator("#lang-button").inner_text() == "English"


CALL = """async ([path, options]) => {
    const http = await import('/static/js/http.js');
    const started = performance.now();
    try {
        const body = await http.%s(path, options);
        return { body, ms: performance.now() - started };
    } catch (err) {
        return { error: err.name, code: err.code, status: err.status, offline: err.offline, message: err.message,
                 ms: performance.now() - started };
    }
}"""


def test_a_hung_service_is_a_timeout_on_the_page_and_service_down_from_the_relay(page):
    quick = page.evaluate(CALL % "api", ["/api/v1/search?q=laskar", {"timeout": 0.3}])
    assert quick["error"] == "HttpError" and quick["code"] == "timeout" and quick["offline"] is True
    assert 250 <= quick["ms"] < 900  # the page's own timeout, not the relay's (1 s)
    assert quick["message"] == "Layanan perpustakaan sedang tidak tersedia. Coba lagi sebentar lagi."
    relayed = page.evaluate(CALL % "api", ["/api/v1/search?q=laskar", {}])
    assert relayed["code"] == "service_down" and relayed["status"] == 503 and relayed["offline"] is True
    assert relayed["message"] == "Layanan perpustakaan tidak dapat dihubungi."  # the relay's message_id
    page.locator("#status.warn").wait_for()  # and the status bar says so (the kiosk process's SSE)


def test_json_errors_carry_the_code_and_the_message_in_the_current_language(page):
    refused = page.evaluate(CALL % "local", ["/k/scan", {"method": "POST", "body": {}}])
    assert refused["code"] == "missing_payload" and refused["status"] == 400 and refused["offline"] is False
    assert refused["message"].startswith("Kirim")
    page.evaluate("Kiosk.setLang('en')")
    refused = page.evaluate(CALL % "local", ["/k/scan", {"method": "POST", "body": {}}])
    assert refused["message"].startswith("Send")
    missing = page.evaluate(CALL % "local", ["/i18n/xx.json", {}])
    assert missing["code"] == "unknown_language" and missing["status"] == 404
    assert page.evaluate(CALL % "request", ["/i18n/xx.json", {"nullOn404": True}])["body"] is None
    assert page.evaluate(CALL % "local", ["/i18n/id.json", {}])["body"]["lang"] == "id"


def test_a_kiosk_process_that_is_gone_is_offline_not_an_error_text(page):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    gone = page.evaluate(CALL % "request", [f"http://127.0.0.1:{port}/k/scan", {}])
    assert gone["code"] == "kiosk_unreachable" and gone["offline"] is True and gone["status"] == 0
