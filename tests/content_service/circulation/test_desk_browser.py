"""The circulation desk and the admin page in a real browser (Debian's
Chromium through Playwright): a librarian finds a member, blocks and
unblocks the card, checks a book out and in, opens the overdue list, adds
a closed day and a loan rule; every page checked by axe-core (no serious
or critical violation) and saved to test-artifacts/desk/."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from content_service.circulation import calendar, local
from content_service.staff.access import create_staff
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD
from tests.content_service.staff.test_browser import axe, browser, db, live, log_in  # noqa: F401  (fixtures)
from tests.factories import make_book, make_item

from .helpers import make_patron

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "desk"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    axe(page, name)
    assert not page.csp_errors, page.csp_errors


def test_a_librarian_at_the_desk(live, browser):  # noqa: F811
    with db(live) as session:
        siti = make_patron(session, name="Siti Rahmawati", card_number="2171000001", fines=75000)
        book = make_book(session, title="Laskar Pelangi")
        make_item(session, book, barcode="DESK-0001")
        late = make_item(session, make_book(session, title="Bumi"), barcode="DESK-0002")
        local.checkout(session, siti, late, max_fines=10**9, now=calendar.utcnow() - timedelta(days=20))
        andi = make_patron(session, name="Andi Wijaya", card_number="2171000002")
        lent = make_item(session, make_book(session, title="Cantik Itu Luka"), barcode="DESK-0003")
        local.checkout(session, andi, lent, max_fines=10**9)
        session.commit()
        siti_id = siti.id
    page = log_in(browser, live, "budi")
    page.click("header nav >> text=Sirkulasi")
    page.fill("input[name=q]", "siti")
    page.click("#member-search button")
    shot(page, "members")
    page.click("#members >> text=Siti Rahmawati")
    assert "Rp75.000" in page.inner_text("#member-fines")
    assert "Terlambat" in page.inner_text("#member-loans") and "Bumi" in page.inner_text("#member-loans")
    shot(page, "member")
    page.fill("#block input[name=reason]", "Buku rusak belum diganti")
    page.click("#block button")
    assert "Peminjaman dengan kartu ini ditangguhkan" in page.inner_text("#desk-done")
    page.click("#unblock button")
    assert "Penangguhan sudah dicabut" in page.inner_text("#desk-done")
    page.fill("#pay input[name=paid]", "75.000")
    page.click("#pay button")
    assert "Rp0" in page.inner_text("#member-fines")

    page.click("text=Pinjamkan buku kepada anggota ini")
    page.fill("#checkout input[name=barcode]", "DESK-0001")
    page.click("#checkout button")
    assert "Dipinjamkan: Laskar Pelangi (DESK-0001). Kembalikan paling lambat" in page.inner_text("#loan-result")
    shot(page, "loans")
    page.fill("#checkin input[name=barcode]", "DESK-0001")
    page.click("#checkin button")
    assert "Dikembalikan: Laskar Pelangi" in page.inner_text("#loan-result")

    # A hold for Siti on a title whose one copy is out: placed on her page, then the hold shelf and queues.
    page.goto(f"{live.url}/staff/desk/members/{siti_id}")
    page.fill("#place-hold input[name=book]", "DESK-0003")
    page.click("#place-hold button")
    assert "Dipesan: Cantik Itu Luka. Urutan dalam daftar tunggu: 1." in page.inner_text("#desk-done")
    assert "Menunggu: urutan ke-1 dalam daftar tunggu" in page.inner_text("#member-holds")
    shot(page, "member-holds")
    page.click(".tabs >> text=Pesanan")
    assert "Cantik Itu Luka" in page.inner_text("#hold-queues") and "Siti Rahmawati" in page.inner_text("#hold-queues")
    shot(page, "holds")

    page.click(".tabs >> text=Terlambat")
    assert "DESK-0002" in page.inner_text("#overdue")
    shot(page, "overdue")
    page.click(".tabs >> text=Hari libur")
    page.fill("#add-closed input[name=first]", (calendar.local_today() + timedelta(days=40)).isoformat())
    page.fill("#add-closed input[name=reason]", "Idul Fitri")
    page.click("#add-closed button")
    assert "Idul Fitri" in page.inner_text("#closed-days")
    shot(page, "closed-days")
    page.click(".tabs >> text=Aturan peminjaman")
    page.fill("#set-rule input[name=item_type]", "dvd")
    page.fill("#set-rule input[name=loan_days]", "3")
    page.fill("#set-rule input[name=max_loans]", "1")
    page.fill("#set-rule input[name=max_renewals]", "0")
    page.click("#set-rule button")
    assert "Aturan peminjaman sudah disimpan" in page.inner_text("#desk-done")
    shot(page, "loan-rules")
    page.context.close()


def test_the_admin_page_has_no_unlabelled_selects(live, browser):  # noqa: F811
    with db(live) as session:
        create_staff(session, "admin-desk", PASSWORD, "admin", "Admin", method=FAST_HASH)
        session.commit()
    page = log_in(browser, live, "admin-desk")
    page.goto(f"{live.url}/staff/admin")
    assert "Akun staf" in page.inner_text("main") or "Admin" in page.inner_text("main")
    assert page.locator("select:not([aria-label])").count() == 0
    shot(page, "admin")
    page.context.close()
