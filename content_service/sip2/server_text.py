"""What a self-check machine shows: screen messages (AF) in Bahasa
Indonesia, one sentence that says what happened and why.

Contents:
- ``screen_message(refusal)``: the AF text of any circulation refusal, with
  the figures that explain it (fines and limit, expiry date, staff reason).
- ``SipRefusal`` classes: the "no" answers that only exist over SIP2 (machine
  not logged in, message not supported, no-block checkout of a copy out to
  someone else ...), as ordinary circulation refusals.
- ``welcome``, ``checked_out`` ...: the AF of the "yes" answers.
"""
from __future__ import annotations

from datetime import date

from ..circulation import refusals

AF_MAX = 255  # SIP2 variable fields are at most 255 characters


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def _day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d-%m-%Y")
    except (TypeError, ValueError):
        return str(iso)


def screen_message(refusal: refusals.Refusal) -> str:
    """The sentence a member reads on the machine for ``refusal``."""
    text = refusal.message_id
    details = refusal.details or {}
    if refusal.code == "fines_too_high" and "fines" in details:
        text += f" (denda {rupiah(int(details['fines']))}, batas {rupiah(int(details.get('limit', 0)))})"
    elif refusal.code == "card_expired" and details.get("expired_on"):
        text += f" (berlaku sampai {_day(details['expired_on'])})"
    elif refusal.code == "blocked_by_staff" and details.get("reason"):
        text += f" Alasan: {details['reason']}"
    elif refusal.code == "too_many_loans" and details.get("max_loans") is not None:
        text += f" (paling banyak {details['max_loans']} buku)"
    elif refusal.code == "renew_limit" and details.get("max_renewals") is not None:
        text += f" (paling banyak {details['max_renewals']} kali)"
    return text[:AF_MAX]


def _sip(name: str, code: str, message_id: str, message_en: str) -> type[refusals.Refusal]:
    return type(name, (refusals.Refusal,), {"code": code, "message_id": message_id, "message_en": message_en})


NotLoggedIn = _sip("NotLoggedIn", "sip2_not_logged_in",
                   "Mesin layanan mandiri belum login ke Pindai (pesan 93). Hubungi petugas.",
                   "This self-check machine has not logged in (message 93).")
BadLogin = _sip("BadLogin", "sip2_bad_login",
                "Login mesin layanan mandiri salah (pengguna atau kata sandi). Hubungi petugas.",
                "Wrong machine login or password.")
TooManyLogins = _sip("TooManyLogins", "sip2_too_many_logins",
                     "Terlalu banyak login salah dari mesin ini. Coba lagi 15 menit lagi atau hubungi petugas.",
                     "Too many wrong logins from this address; try again in 15 minutes.")
NotSupported = _sip("NotSupported", "sip2_not_supported",
                    "Layanan ini tidak tersedia di mesin ini. Silakan ke meja layanan.",
                    "This service is not available on self-check machines.")
FeesAtDesk = _sip("FeesAtDesk", "sip2_fees_at_desk",
                  "Pembayaran denda hanya dapat dilakukan di meja layanan.",
                  "Fines are paid at the desk.")
UnknownItem = _sip("UnknownItem", "not_an_item",
                   "Buku ini tidak dikenal di perpustakaan. Silakan bawa ke meja layanan.",
                   "This item is not known to the library.")
MissingItem = _sip("MissingItem", "sip2_missing_item",
                   "Barcode buku tidak terbaca. Silakan pindai ulang.",
                   "No item barcode was sent.")
OfflineConflict = _sip("OfflineConflict", "sip2_offline_conflict",
                       "Buku ini tercatat dipinjam anggota lain. Silakan bawa ke meja layanan.",
                       "This copy is on loan to another member; the offline loan was not recorded.")
HoldExists = _sip("HoldExists", "sip2_hold_exists",
                  "Anda sudah memesan buku ini.", "You already have a hold on this copy.")
HoldOnOwnLoan = _sip("HoldOnOwnLoan", "sip2_hold_own_loan",
                     "Buku ini sedang Anda pinjam, jadi tidak dapat dipesan.",
                     "You have this copy on loan; it cannot be put on hold for you.")
NoSuchHold = _sip("NoSuchHold", "sip2_no_such_hold",
                  "Tidak ada pesanan Anda untuk buku ini.", "You have no hold on this copy.")
HoldNeedsItem = _sip("HoldNeedsItem", "sip2_hold_needs_item",
                     "Pesanan perlu barcode buku yang jelas. Silakan ke meja layanan.",
                     "A hold needs one copy's barcode (or an unambiguous title).")
PinRequired = _sip("PinRequired", "sip2_pin_required",
                   "Silakan masukkan PIN kartu Anda.", "Please enter your card's PIN.")


def welcome(first_name: str) -> str:
    return f"Selamat datang, {first_name}." if first_name else "Selamat datang."


def checked_out(due: str) -> str:
    return f"Berhasil dipinjam. Kembalikan paling lambat {due}."


def renewed(due: str) -> str:
    return f"Berhasil diperpanjang sampai {due}."


def returned(overdue: bool) -> str:
    return ("Terima kasih, buku sudah dikembalikan (terlambat: silakan cek denda di meja layanan)."
            if overdue else "Terima kasih, buku sudah dikembalikan.")


def to_hold_shelf(bin_name: str) -> str:
    return f"Buku ini dipesan anggota lain: letakkan di rak pesanan ({bin_name})."[:AF_MAX]


def goodbye() -> str:
    return "Terima kasih. Sampai jumpa lagi."


SystemTrouble = _sip("SystemTrouble", "sip2_system_trouble",
                     "Sistem perpustakaan sedang mengalami gangguan. Silakan coba lagi atau ke meja layanan.",
                     "The library system has a problem; try again or go to the desk.")
