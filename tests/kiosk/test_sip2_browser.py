"""The kiosk's self-checkout in Chromium with PINDAI_CIRCULATION=sip2 against the
real SIP2 peer (Evergreen's SIPServer) holding the same copies as the demo library:
a member logs in, borrows, is told why a copy on hold cannot be borrowed (with the
library system's own words), borrows while the server is stopped (the kiosk says the
loan will be confirmed; it is replayed when the server is back), returns a book and
renews in "Akun saya"."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from content_service.db import get_session
from content_service.catalogue.models import Item
from content_service.sip2.models import OfflineCheckout
from tests.content_service.sip2.conftest import sip2_settings
from tests.content_service.sip2.peer import SipPeer, free_port, require_peer
from tests.kiosk.live import LiveService
from tests.kiosk.test_checkout_browser import (  # noqa: F401  (kiosks: a fixture)
    CHROMIUM, keypad, kiosks, marks, open_kiosk, scan, shot, wait_marks,
)

pytestmark = pytest.mark.browser
CARD, PIN = "2171000042", "2468"
ON_HOLD = "DEMO-029-2"
FINED = "2171000052"


def _fixtures(path: Path, copies: list[tuple[str, str]]) -> Path:
    """The library system's side: Siti, another member, and the demo copies."""
    lines = ["use utf8;", "my %m = %{$ILS::Patron::patron_db{miker}};"]
    for card, name in ((CARD, "Siti Rahmawati Putri"), ("2171000043", "Budi Santoso")):
        lines.append(f"$ILS::Patron::patron_db{{'{card}'}} = {{ %m, id => '{card}', name => '{name}', "
                     f"password => '{PIN}', items => [], hold_items => [], expire => '20991231' }};")
    lines.append(f"$ILS::Patron::patron_db{{'{FINED}'}} = {{ %m, id => '{FINED}', name => 'Rudi Hartono', "
                 f"password => '{PIN}', items => [], charge_ok => 0, excessive_fines => 1, "
                 "fee_amount => '75000.00', screen_msg => 'Denda Rp 75.000 melebihi batas' };")
    for barcode, title in copies:
        queue = "['2171000043']" if barcode == ON_HOLD else "[]"
        safe = title.replace("\\", "\\\\").replace("'", "\\'")
        lines.append(f"$ILS::Item::item_db{{'{barcode}'}} = {{ id => '{barcode}', title => '{safe}', "
                     f"sip_media_type => '001', magnetic_media => 0, hold_queue => {queue} }};")
    path.write_text("\n".join(lines + ["1;"]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    require_peer()
    folder = tmp_path_factory.mktemp("sip2-kiosk")
    port = free_port()
    peer = SipPeer(port=port)
    settings = sip2_settings(peer, SIP2_REPLAY_SECONDS=1, SIP2_TIMEOUT=3)
    live = LiveService(folder, media=False, config=settings)
    with live.app.app_context():
        rows = get_session().execute(select(Item.barcode, Item.book_id)).all()
        titles = {}
        from content_service.catalogue.models import Book

        for barcode, book_id in rows:
            titles[barcode] = get_session().get(Book, book_id).title
    peer.fixtures = _fixtures(folder / "library.pl", sorted(titles.items()))
    peer.start()
    live.peer = peer
    yield live
    backend = live.app.extensions.get("pindai.circulation")
    if backend is not None:
        backend.replayer.stop()
        backend.client.close()
    live.close()
    peer.stop()


def test_borrow_refusal_offline_return_and_renew_against_the_sip2_peer(service, kiosks, page):
    kiosk = kiosks()
    open_kiosk(page, kiosk)
    labels = {title: service.label(code) for code, title in service.samples}
    (first, first_label), (second, second_label), (third, third_label) = list(labels.items())[:3]
    held_label = service.label(service.samples[-1][0])  # DEMO-029-2, on hold for Budi

    scan(page, kiosk, CARD)
    wait_marks(page, "checkout-panel", panel="pin")
    keypad(page, "pin", "1111")
    wait_marks(page, "checkout-refused", code="wrong_pin")
    assert "PIN salah" in page.locator("#co-pin-message").inner_text()
    keypad(page, "pin", PIN)
    wait_marks(page, "checkout-panel", panel="borrow")
    assert page.locator("#co-hello").inner_text() == "Halo, Siti!"

    scan(page, kiosk, first_label)
    wait_marks(page, "checkout-loan", title=first)
    assert "Kembalikan paling lambat" in page.locator("#co-borrow-list li.ok").first.inner_text()

    scan(page, kiosk, held_label)
    wait_marks(page, "checkout-refused", code="on_hold_for_another")
    refused = page.locator("#co-borrow-list li.refused").first.inner_text()
    assert "sedang dipesan oleh anggota lain" in refused and "Item on Hold for Another User" in refused

    service.peer.stop()  # the library system goes away mid-session
    scan(page, kiosk, second_label)
    queued = wait_marks(page, "checkout-loan", title=second)[-1]
    assert queued["queued"] is True
    row = page.locator("#co-borrow-list li.queued").first.inner_text()
    assert "akan dikonfirmasi" in row and second in row
    shot(page, "sip2-offline-loan")

    service.peer.start()  # back: the queued loan is replayed by itself
    deadline = time.monotonic() + 20
    state = None
    while time.monotonic() < deadline:
        with service.app.app_context():
            state = get_session().scalars(select(OfflineCheckout.state)).all()
        if state == ["done"]:
            break
        time.sleep(0.3)
    assert state == ["done"]
    # The peer keeps loans in memory, so its restart forgot the first loan; a real
    # library system would not. The replayed one it has (returned below). One more:
    scan(page, kiosk, third_label)
    wait_marks(page, "checkout-loan", title=third)

    page.click("#co-done")
    receipt = wait_marks(page, "checkout-receipt")[-1]
    assert receipt["lines"] == 3
    assert "menunggu konfirmasi" in page.locator("#co-receipt-list").inner_text()
    phone = page.request.get(receipt["url"]).text()  # the receipt a phone opens says so too
    assert second in phone and "menunggu konfirmasi sistem perpustakaan" in phone
    page.click("#co-finish")
    if page.locator("#screen-survey").count():
        page.click("#survey-skip")

    # Return the book borrowed offline (no card needed): the library system has its loan.
    page.click("#circ-return")
    scan(page, kiosk, second_label)
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'checkin' || m.name === 'checkin-refused')",
                           timeout=15_000)
    assert not marks(page, "checkin-refused"), page.locator("#return-list").inner_text()
    returned = wait_marks(page, "checkin")[-1]
    assert returned["title"] == second
    assert "Terima kasih" in page.locator("#return-list li").first.inner_text()
    page.click("#return-done")

    # Akun saya: the loans the library system holds; renew one.
    page.click("#circ-account")
    for digit in CARD:
        page.click(f"#co-card .keypad button[data-key='{digit}']")
    page.click("#co-card .keypad button[data-key='ok']")
    keypad(page, "pin", PIN)
    wait_marks(page, "checkout-account")
    account = page.locator("#co-account-list").inner_text()
    assert third in account and second not in account
    page.click("#co-account-list .co-renew")
    renewed = wait_marks(page, "checkout-renewed")[-1]
    assert renewed["renewed"] == 1
    shot(page, "sip2-account")


def test_a_member_with_fines_is_told_why_in_akun_saya_and_at_the_scan(service, kiosks, page):
    kiosk = kiosks()
    open_kiosk(page, kiosk)
    page.click("#circ-account")
    for digit in FINED:
        page.click(f"#co-card .keypad button[data-key='{digit}']")
    page.click("#co-card .keypad button[data-key='ok']")
    keypad(page, "pin", PIN)
    wait_marks(page, "checkout-account")
    blocks = page.locator("#co-account-blocks").inner_text()
    assert "Denda Anda melebihi batas" in blocks and "Denda Rp 75.000 melebihi batas" in blocks
    assert "Denda: Rp75.000" in page.locator("#co-account-extra").inner_text()  # as librarians write it (PUEBI)
    shot(page, "sip2-fines")
    page.click("#co-account-done")  # the (empty) receipt panel, then the start
    page.click("#co-finish")
    if page.locator("#screen-survey").count():
        page.click("#survey-skip")
    scan(page, kiosk, FINED)
    wait_marks(page, "checkout-panel", panel="pin")
    keypad(page, "pin", PIN)
    wait_marks(page, "checkout-panel", panel="borrow")
    assert "Denda Rp 75.000 melebihi batas" in page.locator("#co-borrow-blocks").inner_text()
    scan(page, kiosk, service.label(service.samples[2][0]))
    wait_marks(page, "checkout-refused", code="fines_too_high")
    row = page.locator("#co-borrow-list li.refused").first.inner_text()
    assert "Silakan bayar di meja layanan" in row and "Patron Blocked" in row
