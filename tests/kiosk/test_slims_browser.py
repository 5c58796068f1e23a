"""The kiosk's self-checkout in a real browser (Debian's Chromium) against a
real SLiMS 9 database (``PINDAI_CIRCULATION=slims``): a member of the SLiMS
library logs in with the OPAC password, borrows, is refused a reference copy
with SLiMS's reason on screen, returns a late book (SLiMS's fine written) and
renews in "Akun saya"; each step is checked in SLiMS's own tables."""
from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from content_service import create_app as create_service
from content_service.db import get_session, upgrade
from content_service.kiosks import create_kiosk
from kiosk.app import KioskServer, create_app
from tests.kiosk.live import quiet_server
from tests.kiosk.test_checkout_browser import keypad, open_kiosk, scan, shot, wait_marks
from tests.slims_library import PIN

pytestmark = pytest.mark.browser
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)


@pytest.fixture
def service(slims_db, tmp_path):
    url, facts = slims_db
    app = create_service({
        "ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'pindai.db'}", "MEDIA_ROOT": str(tmp_path / "media"),
        "SEARCH_INDEX": str(tmp_path / "search-index"), "CIRCULATION": "slims", "SLIMS_DATABASE_URL": url,
        "CIRCULATION_MAX_FINES": 50000,
    })
    server = quiet_server("127.0.0.1", 0, app)
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    with app.app_context():
        upgrade(app.extensions["pindai.engine"])
    result = app.test_cli_runner().invoke(args=["slims", "sync"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        _, key = create_kiosk(session, "Kios SLiMS", "Lantai 1")
        session.commit()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": app.config["PUBLIC_BASE_URL"], "key": key, "facts": facts, "app": app}
    server.shutdown()
    server.server_close()
    app.extensions["pindai.engine"].dispose()



def test_borrow_refusal_return_and_renew_against_slims(service, browser, page, slims_sql):
    today = service["facts"]["today"]
    kiosk = KioskServer(create_app({"SERVICE_URL": service["url"], "KIOSK_KEY": service["key"], "HEALTH_INTERVAL": 0.5}))
    kiosk.runtime.scanner = None
    kiosk.start()
    try:
        open_kiosk(page, kiosk)
        scan(page, kiosk, "M0001")  # Siti's SLiMS member card at the desk scanner
        wait_marks(page, "checkout-panel", panel="pin")
        keypad(page, "pin", "1111")
        wait_marks(page, "checkout-refused", code="wrong_pin")
        assert "PIN salah" in page.locator("#co-pin-message").inner_text()
        keypad(page, "pin", PIN)
        wait_marks(page, "checkout-panel", panel="borrow")
        assert page.locator("#co-hello").inner_text() == "Halo, Siti!"

        scan(page, kiosk, "P0001")
        loan = wait_marks(page, "checkout-loan")[-1]
        assert loan["title"] == "Laskar pelangi" and loan["due"] == (today + timedelta(days=9)).isoformat()
        assert slims_sql("SELECT member_id, due_date FROM loan WHERE item_code = 'P0001' AND is_return = 0") == [
            {"member_id": "M0001", "due_date": today + timedelta(days=9)}]
        scan(page, kiosk, "P0006")  # "No Loan" in SLiMS
        wait_marks(page, "checkout-refused", code="reference_copy")
        refused = page.locator("#co-borrow-list li.refused").first.inner_text()
        assert "Buku referensi hanya dibaca di perpustakaan" in refused
        shot(page, "slims-borrow")
        page.click("#co-done")
        wait_marks(page, "checkout-receipt")
        page.click("#co-finish")
        if page.locator("#screen-survey").count():
            page.click("#survey-skip")

        page.click("#circ-return")
        scan(page, kiosk, "P0004")  # ten days late
        returned = wait_marks(page, "checkin")[-1]
        assert returned["title"] == "Bumi manusia"
        assert "Terima kasih" in page.locator("#return-list li").first.inner_text()
        assert slims_sql("SELECT debet FROM fines WHERE description = 'Overdue fines for item P0004'") == [{"debet": 5000}]
        page.click("#return-done")

        page.click("#circ-account")
        scan(page, kiosk, "M0001")
        wait_marks(page, "checkout-panel", panel="pin")
        keypad(page, "pin", PIN)
        wait_marks(page, "checkout-account")
        assert "Laskar pelangi" in page.locator("#co-account-list").inner_text()
        page.click("#co-account-list .co-renew")
        assert wait_marks(page, "checkout-renewed")[-1]["renewed"] == 1
        assert slims_sql("SELECT renewed FROM loan WHERE item_code = 'P0001' AND is_return = 0") == [{"renewed": 1}]
        assert "sisa perpanjangan: 0" in page.locator("#co-account-list").inner_text()
        shot(page, "slims-account")
    finally:
        kiosk.stop()
