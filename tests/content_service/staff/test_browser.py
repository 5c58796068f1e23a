"""The staff portal in a real browser (Debian's Chromium through Playwright)
against a live content service: logging in, uploading extras (with a refusal),
dragging them into order, publishing, a visitor playing one (the play is
reported), and the analytics dashboard on seeded scan logs.

Screenshots go to test-artifacts/staff/."""
from __future__ import annotations

import csv
import io
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from content_service import create_app, kiosks
from content_service.db import get_session, upgrade
from content_service.catalogue.models import Asset
from content_service.kiosks.models import ScanLog
from content_service.staff.access import create_staff
from content_service.staff.models import AssetPlay
from tests.content_service.staff import samples
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD
from tests.factories import make_book
from tests.kiosk.live import launch_chromium, quiet_server

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts" / "staff"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("staff-live")
    app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{folder / 'pindai.db'}",
                      "MEDIA_ROOT": str(folder / "media"), "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
                      "SEARCH_INDEX": str(folder / "search-index")})
    with app.app_context():
        upgrade(app.extensions["pindai.engine"])
        session = get_session()
        create_staff(session, "sari", PASSWORD, "editor", "Sari", method=FAST_HASH)
        create_staff(session, "budi", PASSWORD, "librarian", "Budi", method=FAST_HASH)
        session.commit()
    server = quiet_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    app.extensions["pindai.engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"  # installed from npm by make setup


def axe(page, name: str) -> None:
    """No serious or critical accessibility violation on the page shown."""
    if not AXE.exists():
        return  # a fresh clone before `make setup`: the rest of the test still runs
    # Evaluated through the DevTools protocol, not as a page script: the portal's CSP stays on.
    page.evaluate(f"() => {{ {AXE.read_text(encoding='utf-8')}\n }}")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def db(app):
    return app.extensions["pindai.sessionmaker"]()


def log_in(browser, app, username):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True, locale="id-ID")
    page = context.new_page()
    # Any script or style the portal's Content-Security-Policy blocks is a bug.
    page.csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    page.set_default_timeout(10_000)
    page.goto(f"{app.url}/staff/books")
    assert "/staff/login" in page.url  # anonymous: sent to the login page
    axe(page, "login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form#login button")
    page.wait_for_url(f"{app.url}/staff/books")
    return page


def upload(page, kind, name, data, title):
    page.select_option("#kind", kind)
    page.set_input_files("#file", {"name": name, "mimeType": "application/octet-stream", "buffer": data})
    page.fill("#upload-form input[name=title]", title)
    page.click("#upload-button")


def test_upload_reorder_publish_and_play(live, browser):
    with db(live) as session:
        book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], copies=1)
        session.commit()
        book_id = book.id
    page = log_in(browser, live, "sari")
    page.fill("input[name=q]", "pelangi")
    page.click(".filters button")
    axe(page, "books")
    page.click("text=Kelola konten")
    page.wait_for_url(f"**/staff/books/{book_id}/content")

    upload(page, "image", "sampul.jpg", samples.jpeg(), "Sampul")
    page.wait_for_selector("li.asset-row .asset-title:text('Sampul')")
    upload(page, "video", "cuplikan.webm", samples.video(".webm"), "Cuplikan")
    page.wait_for_selector("li.asset-row .asset-title:text('Cuplikan')")
    # A script dressed as an image is refused, with the reason, and nothing is added.
    upload(page, "image", "foto.png", samples.svg(), "Jebakan")
    alert = page.wait_for_selector("[role=alert]")
    assert "SVG" in alert.inner_text() and alert.get_attribute("data-error-code") == "unsupported_type"
    assert page.locator("li.asset-row").count() == 2
    assert page.locator("li.asset-row img").first.evaluate("img => img.naturalWidth") == 320  # the thumbnail
    page.screenshot(path=str(ARTIFACTS / "content.png"), full_page=True)
    axe(page, "extras")

    # Drag the video above the image; the order is saved at once.
    rows = page.locator("li.asset-row")
    rows.nth(1).locator(".grip").drag_to(rows.nth(0), target_position={"x": 10, "y": 5})
    page.wait_for_function("() => document.getElementById('asset-order').dataset.saved")
    assert [t.strip() for t in page.locator(".asset-title").all_inner_texts()] == ["Cuplikan", "Sampul"]
    # Preview first (drafts included), then publish both.
    preview = page.context.new_page()
    preview.goto(f"{live.url}/staff/books/{book_id}/preview")
    assert preview.locator("figure.asset").count() == 2 and preview.locator(".preview-banner").count() == 1
    preview.close()
    for _ in range(2):
        page.locator("li.asset-row.draft button.publish").first.click()
        page.wait_for_load_state()
    assert page.locator("li.asset-row.published").count() == 2

    # A visitor opens the public page and plays the video: the play is reported.
    visitor = browser.new_page(viewport={"width": 390, "height": 844}, locale="id-ID")
    visitor.goto(f"{live.url}/books/{book_id}")
    kinds = visitor.locator("figure.asset").evaluate_all("els => els.map(e => e.className)")
    assert kinds == ["asset asset-video", "asset asset-image"]
    with visitor.expect_response(lambda r: "/plays" in r.url) as played:
        visitor.locator("video").evaluate("v => { v.muted = true; return v.play(); }")
    assert played.value.status == 204
    visitor.screenshot(path=str(ARTIFACTS / "public-page.png"), full_page=True)
    axe(visitor, "public page with extras")
    visitor.close()
    with db(live) as session:
        video = session.scalars(select(Asset).where(Asset.book_id == book_id, Asset.kind == "video")).one()
        plays = session.scalars(select(AssetPlay).where(AssetPlay.asset_id == video.id)).all()
        assert [p.channel for p in plays] == ["phone"]
    assert page.csp_errors == []
    page.context.close()


def test_dashboard_shows_the_seeded_numbers(live, browser):
    with db(live) as session:
        book = make_book(session, title="Bumi Manusia")
        kiosk, _ = kiosks.create_kiosk(session, "Kios Lobi")
        for hour_utc in (1, 1, 2, 8):  # 08:00, 08:00, 09:00, 15:00 WIB on 10 May 2026
            session.add(ScanLog(at=datetime(2026, 5, 10, hour_utc, 15, tzinfo=timezone.utc), channel="kiosk",
                                kiosk_id=kiosk.id, book_id=book.id, outcome="ok"))
        session.add(ScanLog(at=datetime(2026, 5, 9, 3, 0, tzinfo=timezone.utc), channel="phone", book_id=book.id, outcome="ok"))
        session.commit()
    page = log_in(browser, live, "budi")
    page.click("nav >> text=Analitik")
    page.select_option("select[name=days]", "7")
    page.fill("input[name=end]", "2026-05-12")
    page.click(".filters button")
    page.wait_for_url("**end=2026-05-12")
    assert page.locator("#scans-per-day .total").inner_text() == "5"
    bars = page.locator("#scans-per-day rect.bar")
    values = dict(zip(bars.evaluate_all("els => els.map(e => e.dataset.label)"),
                      bars.evaluate_all("els => els.map(e => Number(e.dataset.value))")))
    assert values == {"05-06": 0, "05-07": 0, "05-08": 0, "05-09": 1, "05-10": 4, "05-11": 0, "05-12": 0}
    heights = bars.evaluate_all("els => els.map(e => Number(e.getAttribute('height')))")
    assert heights[4] > heights[3] > 0 == heights[0]  # drawn to scale
    hours = page.locator("#per-hour rect.bar")
    assert hours.evaluate_all("els => els.map(e => Number(e.dataset.value))")[8:11] == [2, 1, 1]
    assert page.locator("#top-books tr[data-book-id] td.num").first.inner_text() == "5"
    assert page.locator("#per-kiosk tr[data-kiosk='Kios Lobi'] td.num").inner_text() == "4"
    page.screenshot(path=str(ARTIFACTS / "analytics.png"), full_page=True)
    axe(page, "analytics")
    with page.expect_download() as download:
        page.click("#scans-per-day a:text('CSV')")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["day", "kiosk_scans", "phone_scans", "failed_scans"] and ["2026-05-10", "4", "0", "0"] in rows
    # From the dashboard to the book's record, copies, codes and labels.
    page.click("#top-books a")
    page.wait_for_selector("#record-form")
    assert page.locator("#record-form input[name=title]").input_value() == "Bumi Manusia"
    axe(page, "book record")
    assert page.csp_errors == []
    page.context.close()


def test_the_event_form_chooses_the_repetition_a_click_belongs_to(live, browser):
    from content_service.events.models import Event

    page = log_in(browser, live, "budi")
    page.goto(f"{live.url}/staff/events/new")
    axe(page, "event form")
    page.fill("input[name=title]", "Dongeng Akhir Pekan")
    page.fill("input[name=start]", "2030-01-05T09:00")  # a Saturday
    page.fill("input[name=end]", "2030-01-05T10:00")
    assert page.is_checked("input[name=repeat_days][value=SA]")  # the start's weekday, ticked for staff
    assert page.input_value("select[name=repeat_nth]") == "1" and page.input_value("select[name=repeat_weekday]") == "SA"
    assert page.is_checked("input[name=repeat][value=none]")
    page.check("input[name=repeat_days][value=SU]")
    assert page.is_checked("input[name=repeat][value=weekly]")
    page.fill("input[name=repeat_count]", "3")
    assert page.is_checked("input[name=repeat_end][value=count]")
    page.click("form.event-form button.save")
    page.wait_for_url(f"{live.url}/staff/events?saved=*")
    assert "Setiap Sabtu dan Minggu, pukul 09.00, sebanyak 3 kali" in page.content()
    with db(live) as session:
        assert session.scalars(select(Event.rrule).where(Event.title == "Dongeng Akhir Pekan")).one() == \
            "FREQ=WEEKLY;BYDAY=SA,SU;COUNT=3"
    assert page.csp_errors == []
    page.context.close()


def test_the_guide_opens_from_the_upload_form_and_reads_well(live, browser):
    with db(live) as session:
        book = make_book(session, title="Cantik Itu Luka")
        session.commit()
        book_id = book.id
    page = log_in(browser, live, "budi")
    page.goto(f"{live.url}/staff/books/{book_id}/content")
    page.click("#guide-link a")
    page.wait_for_selector("#guide")
    assert page.locator("#guide h1").inner_text() == "Panduan membuat dan mengunggah konten tambahan"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "guide.png"), full_page=True)
    axe(page, "staff guide")
    assert not page.csp_errors, page.csp_errors
    page.context.close()
