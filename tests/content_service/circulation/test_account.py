"""A member's account on the phone (``/akun``) through HTTP, on SQLite and
PostgreSQL, with the local backend: log in with card + PIN (the kiosk's
lockout), loans with due dates, renew one and all, reserve a title from its
book page ("Pesan buku") and cancel it, event registrations, fines, log out;
the session cookie (HttpOnly, scoped, revocable, idle timeout) and the
forms' CSRF token. What each step shows is checked on the page a member reads."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from content_service.circulation import calendar, local
from content_service.circulation.models import Hold, PatronSession
from content_service.events import calendar as events_calendar, registration, schedule
from tests.factories import make_book, make_item
from tests.forms import form_token

from .helpers import PIN, make_patron

LIMIT = 10**9


def text(res) -> str:
    return re.sub(r"\s+", " ", res.get_data(as_text=True))


def log_in(client, card: str, pin: str = PIN, **extra):
    token = form_token(client, "/akun")
    return client.post("/akun/masuk", data={"csrf_token": token, "card_number": card, "pin": pin, **extra})


def post(client, path: str, **fields):
    """A form on the account page, sent with the page's CSRF token."""
    return client.post(path, data={"csrf_token": form_token(client, "/akun"), **fields})


@pytest.fixture
def siti(session):
    patron = make_patron(session, name="Siti Rahmawati", card_number="2171000001", fines=7500)
    laskar, bumi = make_book(session, title="Laskar Pelangi"), make_book(session, title="Bumi")
    for book, barcode in ((laskar, "ACC-0001"), (bumi, "ACC-0002")):
        local.checkout(session, patron, make_item(session, book, barcode=barcode), max_fines=LIMIT)
    session.commit()
    return patron


def test_a_member_logs_in_and_sees_loans_due_dates_and_fines(client, session, siti):
    page = client.get("/akun")
    assert page.status_code == 200 and "Nomor kartu anggota" in text(page)
    assert page.headers["Cache-Control"] == "private, no-store"
    wrong = log_in(client, "2171000001", "9999")
    assert wrong.status_code == 401 and "PIN salah" in text(wrong)
    assert 'value="2171000001"' in text(wrong)  # the card stays typed, never the PIN
    done = log_in(client, "2171 000 001")  # typed with spaces, as printed on the card
    assert done.status_code == 303 and done.headers["Location"].endswith("/akun")
    cookie = done.headers["Set-Cookie"]
    assert "pindai_member=" in cookie and "HttpOnly" in cookie and "Path=/akun" in cookie and "SameSite=Lax" in cookie
    account = text(client.get("/akun"))
    assert "Halo, Siti!" in account and "Kartu •••001" in account
    assert "Laskar Pelangi" in account and "Bumi" in account and "Kembalikan paling lambat" in account
    assert "Anda memiliki denda Rp7.500. Silakan bayar di meja layanan." in account
    assert "Rahmawati" not in account  # the first name only
    session.rollback()
    row = session.scalars(select(PatronSession).where(PatronSession.card_number == "2171000001")).one()
    assert row.kiosk_id is None and row.ended_at is None


def test_renew_one_then_all_from_the_current_due_date(client, session, siti):
    log_in(client, "2171000001")
    session.rollback()
    loans = {loan.item.barcode: loan for loan in local.open_loans(session, siti)}
    due_before = calendar.as_utc(loans["ACC-0001"].due_at)
    one = post(client, "/akun/perpanjang", barcode="ACC-0001")
    assert one.status_code == 200 and "Diperpanjang: Laskar Pelangi (kembalikan paling lambat" in text(one)
    session.rollback()
    session.refresh(loans["ACC-0001"])
    assert calendar.as_utc(loans["ACC-0001"].due_at) > due_before and loans["ACC-0001"].renewals == 1
    every = text(post(client, "/akun/perpanjang", all="1"))
    assert "Bumi" in every  # renewed, or refused by its title with the reason
    nothing = post(client, "/akun/perpanjang", barcode="NOT-MINE")
    assert nothing.status_code == 404 and 'data-error-code="unknown_loan"' in nothing.get_data(as_text=True)


def test_reserve_from_the_book_page_then_cancel(client, session, siti):
    book = make_book(session, title="Cantik Itu Luka")
    other = make_patron(session, name="Budi Santoso", card_number="2171000002")
    local.checkout(session, other, make_item(session, book, barcode="ACC-0003"), max_fines=LIMIT)
    session.commit()
    page = text(client.get(f"/books/{book.id}"))
    assert "Pesan buku ini" in page and f'href="/akun/pesan/{book.id}"' in page
    ask = client.get(f"/akun/pesan/{book.id}")
    assert ask.status_code == 200 and "Masuk untuk memesan Cantik Itu Luka." in text(ask)
    token = re.search(r'name="csrf_token" value="([^"]+)"', ask.get_data(as_text=True)).group(1)
    back = client.post("/akun/masuk", data={"csrf_token": token, "card_number": "2171000001", "pin": PIN,
                                            "book_id": str(book.id)})
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/akun/pesan/{book.id}")
    confirm = client.get(f"/akun/pesan/{book.id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    made = client.post(f"/akun/pesan/{book.id}", data={"csrf_token": token})
    assert made.status_code == 200 and "Dipesan: Cantik Itu Luka. Anda urutan ke-1 dalam daftar tunggu" in text(made)
    assert "Menunggu: urutan ke-1 dalam daftar tunggu" in text(made)
    again = client.post(f"/akun/pesan/{book.id}", data={"csrf_token": token})
    assert again.status_code == 409 and 'data-error-code="already_reserved"' in again.get_data(as_text=True)
    session.rollback()
    hold = session.scalars(select(Hold).where(Hold.patron_id == siti.id)).one()
    on_shelf = make_book(session, title="Ronggeng Dukuh Paruk")
    make_item(session, on_shelf)
    session.commit()
    assert "Pesan buku ini" not in text(client.get(f"/books/{on_shelf.id}"))  # a copy is there to take
    cancelled = post(client, f"/akun/pesanan/{hold.id}/batal")
    assert cancelled.status_code == 303
    assert "Pesanan dibatalkan." in text(client.get(cancelled.headers["Location"]))
    session.rollback()
    session.refresh(hold)
    assert hold.end_reason == "cancelled"
    stranger = post(client, "/akun/pesanan/99999/batal")
    assert stranger.status_code == 404 and 'data-error-code="unknown_hold"' in stranger.get_data(as_text=True)


def test_event_registrations_and_a_ready_hold_are_on_the_account(client, session, siti):
    start = schedule.now() + timedelta(days=3)
    event = events_calendar.save_event(session, title="Cerita di Pagi Hari", category="storytelling",
                                       starts_at=start, ends_at=start + timedelta(hours=1), capacity=5,
                                       registration_required=True)
    registration.register(session, event, event.starts_at, card_number="2171000001")
    book = make_book(session, title="Cantik Itu Luka")
    copy = make_item(session, book, barcode="ACC-0004")
    other = make_patron(session, name="Budi Santoso", card_number="2171000002")
    local.checkout(session, other, copy, max_fines=LIMIT)
    from content_service.circulation import holds

    holds.reserve(session, siti, book, max_fines=LIMIT, policy=holds.Policy())
    local.checkin(session, copy, policy=holds.Policy())
    session.commit()
    log_in(client, "2171000001")
    account = text(client.get("/akun"))
    assert "1 buku menunggu Anda di rak pesanan." in account
    assert "Siap di rak pesanan: ambil paling lambat" in account
    assert "Cerita di Pagi Hari" in account and "Nomor kursi: 1" in account


def test_log_out_ends_the_session_and_an_old_cookie_opens_nothing(client, session, siti):
    log_in(client, "2171000001")
    cookie = client.get_cookie("pindai_member", path="/akun").value
    out = post(client, "/akun/keluar")
    assert out.status_code == 303 and "pindai_member=;" in out.headers["Set-Cookie"]
    assert "Anda sudah keluar." in text(client.get(out.headers["Location"]))
    client.set_cookie("pindai_member", cookie, path="/akun")  # the old token, kept by someone
    replay = client.get("/akun")
    assert replay.status_code == 401 and "Laskar Pelangi" not in text(replay)


def test_the_desk_ends_phone_sessions_of_a_lost_card_and_idle_sessions_end(client, session, siti):
    from content_service.circulation import operations

    log_in(client, "2171000001")
    assert "Halo, Siti!" in text(client.get("/akun"))
    session.rollback()
    session.refresh(siti)
    operations.set_lost(siti, True)
    session.commit()
    assert client.get("/akun").status_code == 401
    operations.set_lost(siti, False)
    session.commit()
    log_in(client, "2171000001")
    session.rollback()
    row = session.scalars(select(PatronSession).where(PatronSession.ended_at.is_(None))).one()
    row.expires_at = calendar.utcnow() - timedelta(seconds=1)  # idle longer than ACCOUNT_SESSION_MINUTES
    session.commit()
    expired = client.get("/akun")
    assert expired.status_code == 401 and "Laskar Pelangi" not in text(expired)


def test_forms_need_their_token_and_bad_input_is_a_clear_page(client, session, siti):
    no_token = client.post("/akun/masuk", data={"card_number": "2171000001", "pin": PIN})
    assert no_token.status_code == 400
    assert client.post("/akun/perpanjang", data={"all": "1"}).status_code == 400
    for card in ("", "x" * 65, "🙂", "BTM-0001"):
        res = log_in(client, card, "1234")
        assert res.status_code in (400, 401, 404), (card, res.status_code)
        assert 'id="account-login"' in res.get_data(as_text=True) and 'id="account-error"' in res.get_data(as_text=True)
    nul = log_in(client, "\x00", "1234")  # refused for every form before any view: a page saying why
    assert nul.status_code == 400 and "Kembali ke beranda" in nul.get_data(as_text=True)
    assert client.get("/akun/pesan/99999999999").status_code == 404
    login_refused = log_in(client, "2171000001", "")
    assert login_refused.status_code in (400, 401)
    # Not logged in: every action answers the login page, never a 500.
    for path in ("/akun/perpanjang", "/akun/pesanan/1/batal"):
        assert post(client, path, all="1").status_code in (200, 401)


def test_five_wrong_pins_lock_the_card_as_at_the_kiosk(client, session, siti):
    for _ in range(5):
        log_in(client, "2171000001", "0000")
    locked = log_in(client, "2171000001")  # the right PIN, but locked now
    assert locked.status_code in (401, 403, 423) and "Laskar Pelangi" not in text(locked)
    assert "dikunci" in text(locked)
