"""E-books on a phone (360x740, Debian's Chromium): "Baca e-book" opens the
EPUB in the page's reader (epub.js from node_modules at /vendor/, never a
CDN) and the reader shows the book's first page, its text read back from the
frame; "›" turns to the next chapter. A PDF opens in the browser's viewer
(a plain link to the file); an online resource is a "Juga di iPusnas" link
button. Without script the EPUB link downloads the file. The
Content-Security-Policy stays on (no error), and axe finds no serious or
critical violation."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from content_service.catalogue.models import Asset
from content_service.media import checks, storage
from content_service.staff.models import AssetFile
from tests.content_service.live import phone_page, served_app
from tests.content_service.staff import samples
from tests.content_service.staff.test_browser import axe
from tests.factories import make_book
from tests.kiosk.live import launch_chromium

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)
if not (REPO / "node_modules" / "epubjs" / "dist" / "epub.min.js").exists():
    pytest.skip("needs epub.js from npm (make setup runs npm ci)", allow_module_level=True)


def attach(session, book, kind, title, data=None, **fields):
    if data is not None:
        checked = checks.check(kind, data)  # what the portal's upload accepts
        fields.update(media_hash=storage().put(checked.data), media_type=checked.media_type)
    asset = Asset(book_id=book.id, kind=kind, title=title, language="both", audience="all", published=True, **fields)
    session.add(asset)
    session.flush()
    if data is not None:
        session.add(AssetFile(asset_id=asset.id, size_bytes=len(data)))
    return asset


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    def seed(app, session):
        book = make_book(session, title="Laskar Pelangi")
        attach(session, book, "ebook", "Laskar Pelangi (EPUB)", samples.epub())
        attach(session, book, "online", "iPusnas", url="https://ipusnas.id/book/laskar-pelangi", provider="iPusnas")
        other = make_book(session, title="Panduan PDF")
        app.pdf = samples.pdf(2)  # reportlab stamps the time: the bytes are kept to compare
        attach(session, other, "ebook", "Panduan (PDF)", app.pdf)
        app.books = {"epub": book.id, "pdf": other.id}

    with served_app(tmp_path_factory.mktemp("phone-ebooks"), seed) as app:
        yield app


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def reader_text(page) -> str:
    frame = page.frame_locator("#reader-view iframe")
    return frame.locator("body").inner_text(timeout=10_000)


def test_the_reader_shows_the_first_page_and_turns_pages(live, browser):
    page = phone_page(browser)
    page.goto(f"{live.url}/books/{live.books['epub']}")
    button = page.get_by_role("link", name="Baca e-book")
    assert button.is_visible()
    online = page.get_by_role("link", name="Juga di iPusnas")
    assert online.is_visible() and online.get_attribute("href") == "https://ipusnas.id/book/laskar-pelangi"
    button.click()
    page.wait_for_selector("#reader[data-ready]")
    assert samples.EPUB_FIRST_PAGE in reader_text(page)
    assert page.locator("#reader-view iframe").get_attribute("sandbox") == "allow-same-origin"  # no scripts
    page.get_by_role("button", name="Halaman berikutnya").click()
    expect(page.frame_locator("#reader-view iframe").locator("body")).to_contain_text("Ikal dan Lintang")
    page.get_by_role("button", name="Tutup pembaca").click()
    assert page.locator("#reader").is_hidden()
    assert page.csp_errors == [], "\n".join(page.csp_errors)
    axe(page, "book page with an e-book")
    page.context.close()


def test_a_pdf_opens_in_the_browser_and_an_epub_downloads_without_script(live, browser):
    page = phone_page(browser)
    page.goto(f"{live.url}/books/{live.books['pdf']}")
    link = page.get_by_role("link", name="Baca e-book")
    assert link.get_attribute("href").endswith(".pdf") and link.get_attribute("download") is None
    served = page.request.get(link.get_attribute("href"))
    assert served.headers["content-type"] == "application/pdf" and served.body() == live.pdf
    # The browser's viewer needs its <embed> and styles; nothing else is allowed.
    policy = served.headers["content-security-policy"]
    assert "object-src 'self'" in policy and "script-src" not in policy and "default-src 'none'" in policy
    page.context.close()
    page = phone_page(browser, java_script_enabled=False)
    page.goto(f"{live.url}/books/{live.books['epub']}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Baca e-book").click()
    assert Path(download.value.path()).read_bytes() == samples.epub()
    page.context.close()
