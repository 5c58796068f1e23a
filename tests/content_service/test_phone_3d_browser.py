"""3D models on a phone (360x740, Debian's Chromium): the book page shows the
model inline in <model-viewer> (served from node_modules by the service, not a
CDN) and it renders: a screenshot of it has the book's red cover in it. A
model over the size budget waits for a tap, saying its size; without a USDZ
the page says what an iPhone can and cannot do. The Content-Security-Policy
stays on; axe finds no serious or critical violation."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from content_service.catalogue.models import Asset
from content_service.demo.model3d import book_glb
from content_service.media import checks, storage
from content_service.staff.models import AssetFile
from tests.content_service.staff.test_browser import axe
from tests.factories import make_book, make_item
from tests.content_service.live import phone_page, served_app
from tests.kiosk.live import launch_chromium

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "phone"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)
if not (REPO / "node_modules" / "@google" / "model-viewer" / "dist" / "model-viewer.min.js").exists():
    pytest.skip("needs model-viewer from npm (make setup runs npm ci)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone-3d")

    def seed(app, session):
        data = book_glb((0.8, 0.05, 0.05, 1.0))
        checks.check("model3d", data)  # what the portal's upload accepts
        digest = storage().put(data)
        books = {}
        for title, size in (("Ulat yang Sangat Lapar", len(data)), ("Atlas Besar", 7_800_000)):
            book = make_book(session, title=title)
            make_item(session, book)
            asset = Asset(book_id=book.id, kind="model3d", title="Buku 3D", media_hash=digest,
                          media_type="model/gltf-binary", language="both", audience="all", published=True)
            session.add(asset)
            session.flush()
            # The second one as a model over the budget would be (its real file stays small).
            session.add(AssetFile(asset_id=asset.id, size_bytes=size))
            books[title] = book.id
        app.books = books

    with served_app(folder, seed) as app:
        yield app


def red_share(png: bytes) -> float:
    pixels = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    b, g, r = (pixels[:, :, i].astype(int) for i in range(3))
    return float(((r > 110) & (r > g + 40) & (r > b + 40)).mean())


def test_the_model_turns_on_the_phone_page_and_a_big_one_waits_for_a_tap(live):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = phone_page(browser, timeout=20_000)
        page.goto(f"{live.url}/books/{live.books['Ulat yang Sangat Lapar']}")
        viewer = page.locator("model-viewer.model")
        assert viewer.get_attribute("src").startswith(live.url + "/media/")
        page.wait_for_selector("model-viewer.model[data-loaded=true]", state="attached")
        viewer.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        share = red_share(viewer.screenshot(path=str(ARTIFACTS / "book-3d-phone.png")))
        assert share > 0.01, f"the model did not render: {share:.4f} of the pixels are its red cover"
        links = page.locator(".model-links").inner_text()
        assert "Buka dalam AR" in links and "GLB" in links
        assert "iPhone perlu berkas USDZ" in links  # said plainly, not a dead button
        page.screenshot(path=str(ARTIFACTS / "book-3d-page-phone.png"), full_page=True)
        axe(page, "book page with a 3D model, phone")

        page.goto(f"{live.url}/books/{live.books['Atlas Besar']}")
        tap = page.locator("model-viewer.model .model-load")
        assert tap.inner_text() == "Ketuk untuk memuat model 3D (7,4 MB)"
        page.wait_for_timeout(1500)
        assert page.locator("model-viewer.model[data-loaded]").count() == 0  # nothing fetched before the tap
        tap.click()
        page.wait_for_selector("model-viewer.model[data-loaded=true]", state="attached")
        assert not page.csp_errors, page.csp_errors
        browser.close()
