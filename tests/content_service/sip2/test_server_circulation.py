"""The SIP2 server's circulation on the local backend: what a self-check
machine and the member in front of it get for each loan, return, renewal
and hold, and every refusal explained in Bahasa Indonesia."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from content_service.circulation import calendar
from content_service.circulation.local import place_hold
from content_service.circulation.models import Hold, ItemLoanType, Loan, LoanRule
from tests.content_service.circulation.helpers import (
    PIN,
    kiosk_headers,
    login,
    make_patron,
)
from tests.factories import make_book, make_item

from .server_helpers import INSTITUTION, fields_of

NOW = "20261202    100000"


def checkout(sc, card, barcode, *, renew_policy=False, no_block=False, when=None, due=None, pin=None):
    fields = {"AO": INSTITUTION, "AA": card, "AB": barcode, "AC": ""}
    if pin is not None:
        fields["AD"] = pin
    return sc.ask("11", fields, sc_renewal_policy=renew_policy, no_block=no_block, transaction_date=when,
                  nb_due_date=due)


def fresh(session) -> None:
    """See what the server committed: a new snapshot, and no cached rows
    (the app's sessions keep objects loaded across commits)."""
    session.rollback()
    session.expire_all()


def checkin(sc, barcode, **fixed):
    return sc.ask("09", {"AP": "Lobi", "AO": INSTITUTION, "AB": barcode, "AC": ""}, **fixed)


@pytest.fixture
def book(session):
    return make_book(session, title="Laskar Pelangi")


def test_checkout_desensitises_and_tells_the_due_date(sc, session, book):
    patron = make_patron(session)
    item = make_item(session, book)
    session.commit()
    answer = checkout(sc, patron.card_number, item.barcode)
    f = fields_of(answer)
    assert (answer.fixed["ok"], answer.fixed["desensitize"], answer.fixed["magnetic_media"]) == (True, True, False)
    loan = session.scalars(select(Loan).where(Loan.item_id == item.id)).one()
    due = calendar.local(loan.due_at)
    assert f["AH"] == due.strftime("%Y%m%d    %H%M%S") and f["AJ"] == "Laskar Pelangi" and f["BK"] == str(loan.id)
    assert f["AF"] == f"Berhasil dipinjam. Kembalikan paling lambat {due:%d-%m-%Y}."
    assert f["CK"] == "001" and f["AO"] == INSTITUTION


def _refused(answer, *words):
    f = fields_of(answer)
    assert answer.fixed["ok"] is False and answer.fixed["desensitize"] is False, answer
    for word in words:
        assert word in f["AF"], f["AF"]
    return f


def test_every_checkout_refusal_is_explained(sc, session, book):
    today = date.today()
    expired = make_patron(session, expires_on=today - timedelta(days=3))
    fined = make_patron(session, fines=75000)
    blocked = make_patron(session, staff_block="Buku rusak belum diganti")
    lost = make_patron(session, card_lost=True)
    child = make_patron(session, category="child")
    other = make_patron(session)
    ref = make_item(session, book, status="reference")
    held = make_item(session, book)
    place_hold(session, other, held)
    taken = make_item(session, book)
    free = [make_item(session, book) for _ in range(5)]
    session.commit()
    assert checkout(sc, other.card_number, taken.barcode).fixed["ok"] is True
    _refused(checkout(sc, expired.card_number, free[0].barcode), "kedaluwarsa",
             (today - timedelta(days=3)).strftime("%d-%m-%Y"))
    _refused(checkout(sc, fined.card_number, free[0].barcode), "Denda", "Rp 75.000", "Rp 50.000")
    _refused(checkout(sc, blocked.card_number, free[0].barcode), "ditangguhkan", "Buku rusak belum diganti")
    _refused(checkout(sc, lost.card_number, free[0].barcode), "hilang")
    _refused(checkout(sc, child.card_number, ref.barcode), "referensi")
    _refused(checkout(sc, child.card_number, held.barcode), "dipesan oleh anggota lain")
    _refused(checkout(sc, child.card_number, taken.barcode), "sedang dipinjam")
    for item in free[:3]:  # a child may borrow 3 books
        assert checkout(sc, child.card_number, item.barcode).fixed["ok"] is True
    _refused(checkout(sc, child.card_number, free[3].barcode), "maksimum", "3 buku")
    f = _refused(checkout(sc, "0000999999", free[4].barcode), "tidak terdaftar")
    assert f["BL"] == "N" and f["AJ"] == "Laskar Pelangi"
    f = _refused(checkout(sc, other.card_number, "TIDAK-ADA"), "tidak dikenal")
    assert f["BL"] == "Y" and f["AJ"] == "" and f["AH"] == ""
    assert session.scalar(select(Loan.id).where(Loan.item_id == free[4].id)) is None


def test_wrong_pins_count_towards_the_kiosk_lock(sc, session, book):
    patron = make_patron(session)
    item = make_item(session, book)
    session.commit()
    for left in (4, 3, 2, 1):
        _refused(checkout(sc, patron.card_number, item.barcode, pin="0000"), f"Sisa {left} kali")
    _refused(checkout(sc, patron.card_number, item.barcode, pin="0000"), "dikunci")
    _refused(checkout(sc, patron.card_number, item.barcode, pin=PIN), "dikunci")  # even the right PIN, for now
    status = sc.ask("23", {"AO": INSTITUTION, "AA": patron.card_number, "AC": "", "AD": PIN})
    assert status.get("CQ") == "N" and "dikunci" in status.get("AF")


def test_checkout_of_an_own_loan_renews_only_when_the_machine_allows_it(sc, session, book):
    patron = make_patron(session)
    item = make_item(session, book)
    session.commit()
    checkout(sc, patron.card_number, item.barcode)
    _refused(checkout(sc, patron.card_number, item.barcode), "sudah meminjam")
    again = checkout(sc, patron.card_number, item.barcode, renew_policy=True)
    assert again.fixed["ok"] is True and again.fixed["renewal_ok"] is True
    assert session.scalars(select(Loan).where(Loan.item_id == item.id)).one().renewals == 1


def test_checkin_resensitises_and_sends_a_copy_that_fills_a_hold_to_the_hold_shelf(sc, session, book):
    borrower, waiting = make_patron(session), make_patron(session, name="Budi Santoso")
    item = make_item(session, book, location="Lantai 2 · Anak")
    session.commit()
    checkout(sc, borrower.card_number, item.barcode)
    place_hold(session, waiting, session.get(type(item), item.id))
    session.commit()
    answer = checkin(sc, item.barcode)
    f = fields_of(answer)
    assert (answer.fixed["ok"], answer.fixed["resensitize"], answer.fixed["alert"]) == (True, True, True)
    assert f["AA"] == borrower.card_number and f["AQ"] == "Lantai 2 · Anak"
    assert (f["CL"], f["CV"], f["CY"], f["DA"]) == ("RAK PESANAN", "01", waiting.card_number, "Budi Santoso")
    assert "rak pesanan (RAK PESANAN)" in f["AF"]
    # The copy waits for Budi: nobody else can take it, Budi can.
    _refused(checkout(sc, borrower.card_number, item.barcode), "dipesan")
    assert checkout(sc, waiting.card_number, item.barcode).fixed["ok"] is True


def test_checkin_of_a_copy_not_on_loan(sc, session, book):
    item = make_item(session, book)
    session.commit()
    answer = checkin(sc, item.barcode)
    assert (answer.fixed["ok"], answer.fixed["resensitize"], answer.fixed["alert"]) == (False, True, False)
    assert "tidak sedang dipinjam" in answer.get("AF") and answer.get("AA") is None


def test_renewals_and_their_refusals(sc, session, book):
    patron, other = make_patron(session), make_patron(session)
    item, held = make_item(session, book), make_item(session, book)
    session.add(LoanRule(patron_category="*", item_type="*", loan_days=14, max_loans=10, max_renewals=1))
    session.commit()
    checkout(sc, patron.card_number, item.barcode)
    checkout(sc, patron.card_number, held.barcode)
    place_hold(session, other, session.get(type(held), held.id))
    session.commit()
    renew = lambda barcode, card=patron.card_number, **fixed: sc.ask(
        "29", {"AO": INSTITUTION, "AA": card, "AB": barcode}, **fixed)
    first = renew(item.barcode)
    assert (first.fixed["ok"], first.fixed["renewal_ok"]) == (True, True) and "diperpanjang" in first.get("AF")
    limit = renew(item.barcode)
    assert limit.fixed["ok"] is False and "batas maksimum" in limit.get("AF") and limit.get("AH") == ""
    on_hold = renew(held.barcode)
    assert on_hold.fixed["ok"] is False and "dipesan anggota lain" in on_hold.get("AF")
    assert "tidak ditemukan" in renew(item.barcode, card=other.card_number).get("AF")
    all_ = sc.ask("65", {"AO": INSTITUTION, "AA": patron.card_number})
    assert (all_.fixed["ok"], all_.fixed["renewed_count"], all_.fixed["unrenewed_count"]) == (True, 0, 2)
    assert sorted(all_.getall("BN")) == sorted([item.barcode, held.barcode]) and "0 buku diperpanjang" in all_.get("AF")


def test_third_party_renewal(sc, session, book):
    patron, parent = make_patron(session), make_patron(session)
    item = make_item(session, book)
    session.commit()
    checkout(sc, patron.card_number, item.barcode)
    ask = lambda third: sc.ask("29", {"AO": INSTITUTION, "AA": parent.card_number, "AB": item.barcode},
                               third_party_allowed=third)
    assert ask(False).fixed["ok"] is False
    assert ask(True).fixed["ok"] is True


def test_holds_queue_cancel_and_patron_information_lists(sc, session, book):
    first, second = make_patron(session), make_patron(session)
    item = make_item(session, book)
    session.commit()
    hold = lambda card, mode="+", **f: sc.ask("15", {"AO": INSTITUTION, "AA": card, **f}, hold_mode=mode)
    placed = hold(first.card_number, AB=item.barcode, BS="Meja layanan")
    assert (placed.fixed["ok"], placed.fixed["available"], placed.get("BR"), placed.get("BS")) == (
        True, True, "1", "Meja layanan")
    by_title = hold(second.card_number, AJ="Laskar Pelangi")
    assert (by_title.fixed["ok"], by_title.fixed["available"], by_title.get("BR"), by_title.get("AB")) == (
        True, False, "2", item.barcode)
    assert "sudah memesan" in hold(first.card_number, AB=item.barcode).get("AF")
    info = lambda card, summary: sc.ask("63", {"AO": INSTITUTION, "AA": card}, summary=summary)
    mine = info(first.card_number, "Y         ")
    assert mine.fixed["hold_items_count"] == 1 and mine.getall("AS") == [item.barcode]
    theirs = info(second.card_number, "     Y    ")
    assert theirs.fixed["unavailable_holds_count"] == 1 and theirs.getall("CD") == [item.barcode]
    assert sc.ask("17", {"AO": INSTITUTION, "AB": item.barcode}).fixed["circulation_status"] == "08"
    cancelled = hold(first.card_number, "-", AB=item.barcode)
    assert cancelled.fixed["ok"] is True and "dibatalkan" in cancelled.get("AF")
    assert "Tidak ada pesanan" in hold(first.card_number, "-", AB=item.barcode).get("AF")
    open_holds = session.scalars(select(Hold).where(Hold.ended_at.is_(None))).all()
    assert [h.patron_id for h in open_holds] == [second.id]


def test_patron_information_counts_lists_paging_and_pin(sc, session, book):
    patron = make_patron(session, email="siti@example.id", phone="0812-1111")
    items = [make_item(session, book) for _ in range(3)]
    session.commit()
    for item in items:
        checkout(sc, patron.card_number, item.barcode)
    overdue = session.scalars(select(Loan).where(Loan.item_id == items[0].id)).one()
    overdue.due_at = calendar.utcnow() - timedelta(days=2)
    session.commit()
    info = sc.ask("63", {"AO": INSTITUTION, "AA": patron.card_number, "AD": PIN, "BP": "2", "BQ": "3"},
                  summary="  Y       ")
    f = fields_of(info)
    assert (info.fixed["charged_items_count"], info.fixed["overdue_items_count"]) == (3, 1)
    assert len(info.getall("AU")) == 2 and f["CQ"] == "Y" and f["BL"] == "Y"
    assert (f["BE"], f["BF"], f["BH"], f["CB"], f["PC"]) == ("siti@example.id", "0812-1111", "IDR", "0005", "adult")
    overdue_list = sc.ask("63", {"AO": INSTITUTION, "AA": patron.card_number}, summary=" Y        ")
    assert overdue_list.getall("AT") == [items[0].barcode] and "CQ" not in overdue_list
    assert overdue_list.get("AF").endswith("1 buku Anda sudah lewat tanggal kembali.")


def test_patron_status_flags_say_why(sc, session):
    fined = make_patron(session, fines=60000)
    session.commit()
    answer = sc.ask("23", {"AO": INSTITUTION, "AA": fined.card_number, "AC": "", "AD": PIN}, language="001")
    status = answer.fixed["patron_status"]
    assert status[0] == status[1] == status[3] == "Y" and status[10] == "Y" and answer.fixed["language"] == "001"
    assert answer.get("BV") == "60000.00" and "Rp 60.000" in answer.get("AF")


def test_a_machine_block_stops_the_kiosk_too_and_enable_lifts_only_machine_blocks(sc, session, client):
    patron = make_patron(session)
    staff = make_patron(session, staff_block="Tunggakan lama")
    headers = kiosk_headers(session)
    session.commit()
    blocked = sc.ask("01", {"AO": INSTITUTION, "AL": "Kartu tertinggal", "AA": patron.card_number, "AC": ""},
                     card_retained=True)
    assert blocked.code == "24" and blocked.fixed["patron_status"].startswith("YYYY"), blocked
    fresh(session)
    assert "kartu ditahan mesin" in (session.get(type(patron), patron.id).staff_block or ""), blocked
    auth = login(client, headers, patron.card_number)
    assert client.get("/api/v1/circulation/session", headers=auth).get_json()["can_borrow"] is False
    enabled = sc.ask("25", {"AO": INSTITUTION, "AA": patron.card_number})
    assert enabled.fixed["patron_status"] == " " * 14
    still = sc.ask("25", {"AO": INSTITUTION, "AA": staff.card_number})
    assert still.fixed["patron_status"].startswith("YYYY") and "Tunggakan lama" in still.get("AF")


def test_item_information(sc, session, book):
    patron = make_patron(session)
    item = make_item(session, book, location="Rak Anak", call_number="899.221 HIR l")
    dvd = make_item(session, book)
    session.add(ItemLoanType(item_id=dvd.id, item_type="dvd"))
    session.commit()
    info = sc.ask("17", {"AO": INSTITUTION, "AB": item.barcode})
    f = fields_of(info)
    assert (info.fixed["circulation_status"], info.fixed["security_marker"]) == ("03", "02")
    assert (f["AQ"], f["CS"], f["BG"], f["AF"]) == ("Rak Anak", "899.221 HIR l", INSTITUTION, "Tersedia di Rak Anak.")
    checkout(sc, patron.card_number, item.barcode)
    out = sc.ask("17", {"AO": INSTITUTION, "AB": item.barcode})
    assert out.fixed["circulation_status"] == "04" and out.get("AH") and "Sedang dipinjam" in out.get("AF")
    assert sc.ask("17", {"AO": INSTITUTION, "AB": dvd.barcode}).get("CK") == "006"
    unknown = sc.ask("17", {"AO": INSTITUTION, "AB": "TIDAK-ADA"})
    assert unknown.fixed["circulation_status"] == "01" and "tidak dikenal" in unknown.get("AF")


def test_no_block_checkouts_are_recorded_as_the_machine_did_them(sc, session, book):
    fined = make_patron(session, fines=90000)  # blocked now; the machine lent offline
    other = make_patron(session)
    item, second = make_item(session, book), make_item(session, book)
    session.commit()
    when, due = datetime(2026, 12, 1, 9, 30), datetime(2026, 12, 15, 23, 59, 59)
    answer = checkout(sc, fined.card_number, item.barcode, no_block=True, when=when, due=due)
    assert answer.fixed["ok"] is True and answer.fixed["desensitize"] is True
    loan = session.scalars(select(Loan).where(Loan.item_id == item.id)).one()
    assert calendar.local(loan.checked_out_at).replace(tzinfo=None) == when
    assert calendar.local(loan.due_at).replace(tzinfo=None) == due
    # Replayed (the answer was lost): yes again, still one loan.
    assert checkout(sc, fined.card_number, item.barcode, no_block=True, when=when, due=due).fixed["ok"] is True
    assert len(session.scalars(select(Loan).where(Loan.item_id == item.id)).all()) == 1
    # Another member's offline loan of a copy that is out: refused, with the reason.
    _refused(checkout(sc, other.card_number, item.barcode, no_block=True, when=when), "anggota lain")
    # A no-block return with the book drop's own date.
    back = checkin(sc, item.barcode, no_block=True, return_date=datetime(2026, 12, 1, 16, 0))
    assert back.fixed["ok"] is True
    fresh(session)
    returned = calendar.local(session.get(Loan, loan.id).returned_at).replace(tzinfo=None)
    assert returned == datetime(2026, 12, 1, 16, 0)
    assert checkout(sc, other.card_number, second.barcode, no_block=True).fixed["ok"] is True


def test_fee_paid_and_item_status_update_are_declined_with_a_reason(sc, session):
    patron = make_patron(session, fines=5000)
    session.commit()
    paid = sc.ask("37", {"BV": "5000", "AO": INSTITUTION, "AA": patron.card_number}, fee_type="01",
                  payment_type="00", currency_type="IDR")
    assert paid.fixed["payment_accepted"] is False and "meja layanan" in paid.get("AF")
    update = sc.ask("19", {"AO": INSTITUTION, "AB": "X", "CH": "x"})
    assert update.fixed["item_properties_ok"] is False and update.get("AF")


def test_a_machine_cancels_a_checkout_and_a_checkin_it_could_not_finish(sc, session, book):
    patron = make_patron(session)
    item = make_item(session, book)
    session.commit()
    assert checkout(sc, patron.card_number, item.barcode).fixed["ok"] is True
    cancel = sc.ask("11", {"AO": INSTITUTION, "AA": patron.card_number, "AB": item.barcode, "AC": "", "BI": "Y"})
    assert (cancel.fixed["ok"], cancel.fixed["desensitize"]) == (True, False) and "dibatalkan" in cancel.get("AF")
    fresh(session)
    assert session.scalar(select(Loan.returned_at).where(Loan.item_id == item.id)) is not None
    assert checkout(sc, patron.card_number, item.barcode).fixed["ok"] is True
    assert checkin(sc, item.barcode).fixed["ok"] is True
    undo = sc.ask("09", {"AP": "Lobi", "AO": INSTITUTION, "AB": item.barcode, "AC": "", "BI": "Y"})
    assert undo.fixed["ok"] is True and undo.get("AA") == patron.card_number
    fresh(session)
    assert session.scalar(select(Loan.id).where(Loan.item_id == item.id, Loan.returned_at.is_(None))) is not None
    assert sc.ask("09", {"AP": "Lobi", "AO": INSTITUTION, "AB": item.barcode, "AC": "", "BI": "Y"}).fixed["ok"] is False


def test_long_titles_and_reasons_fit_a_sip2_field(sc, session):
    patron = make_patron(session, staff_block="x" * 290)
    item = make_item(session, make_book(session, title="Sejarah " * 60))
    session.commit()
    answer = checkout(sc, patron.card_number, item.barcode)
    assert answer.fixed["ok"] is False
    assert all(len(value) <= 255 for _, value in answer.fields) and answer.get("AJ").startswith("Sejarah Sejarah")
