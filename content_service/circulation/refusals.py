"""Every reason circulation says no: a stable machine code and a plain
sentence in Bahasa Indonesia and English. Answered like any ``PindaiError``."""
from __future__ import annotations

from .. import cards, errors


class Refusal(errors.PindaiError):
    """Base of circulation refusals."""

    status = 403
    code = "refused"


def _refusal(name: str, status: int, code: str, message_id: str, message_en: str) -> type[Refusal]:
    return type(name, (Refusal,), {"status": status, "code": code, "message_id": message_id,
                                   "message_en": message_en})


# Patrons and their cards
class UnknownCard(cards.UnknownCard, Refusal):
    """The one ``unknown_card`` (``cards``, shared with events), as a refusal."""


WrongPin = _refusal("WrongPin", 401, "wrong_pin",
                    "PIN salah. Silakan coba lagi.", "Wrong PIN. Please try again.")
CardLocked = _refusal("CardLocked", 423, "card_locked",
                      "Kartu dikunci sementara karena PIN salah 5 kali.",
                      "This card is locked for a while after 5 wrong PINs.")
NoPin = _refusal("NoPin", 403, "no_pin",
                 "Kartu ini belum memiliki PIN. Silakan minta PIN kepada petugas.",
                 "This card has no PIN yet. Please ask a librarian to set one.")
CardExpired = _refusal("CardExpired", 403, "card_expired",
                       "Kartu Anda sudah kedaluwarsa. Silakan perpanjang di meja layanan.",
                       "Your card has expired. Please renew it at the desk.")
CardLost = _refusal("CardLost", 403, "card_lost",
                    "Kartu ini dilaporkan hilang. Silakan hubungi petugas.",
                    "This card has been reported lost. Please ask a librarian.")
FinesTooHigh = _refusal("FinesTooHigh", 403, "fines_too_high",
                        "Denda Anda melebihi batas. Silakan bayar di meja layanan.",
                        "Your fines are above the limit. Please pay them at the desk.")
StaffBlock = _refusal("StaffBlock", 403, "blocked_by_staff",
                      "Peminjaman Anda ditangguhkan. Silakan hubungi petugas.",
                      "Borrowing is suspended on your card. Please ask a librarian.")
TooManyLoans = _refusal("TooManyLoans", 403, "too_many_loans",
                        "Anda sudah meminjam jumlah buku maksimum.",
                        "You have already borrowed the most books allowed.")

# Copies
NotAnItem = _refusal("NotAnItem", 422, "not_an_item",
                     "Pindai label perpustakaan pada buku, bukan barcode ISBN.",
                     "Scan the library label on the book, not its ISBN barcode.")
ReferenceCopy = _refusal("ReferenceCopy", 403, "reference_copy",
                         "Buku referensi hanya dibaca di perpustakaan dan tidak dapat dipinjam.",
                         "Reference books are read in the library and cannot be borrowed.")
OnHoldForAnother = _refusal("OnHoldForAnother", 409, "on_hold_for_another",
                            "Buku ini sedang dipesan oleh anggota lain.",
                            "This copy is on hold for another member.")
AlreadyOnLoan = _refusal("AlreadyOnLoan", 409, "already_on_loan",
                         "Buku ini tercatat sedang dipinjam. Silakan bawa ke meja layanan.",
                         "This copy is already on loan. Please take it to the desk.")
AlreadyYours = _refusal("AlreadyYours", 409, "already_borrowed_by_you",
                        "Anda sudah meminjam buku ini.", "You have already borrowed this copy.")
NotLoanable = _refusal("NotLoanable", 409, "not_loanable",
                       "Buku ini tidak dapat dipinjam saat ini. Silakan bawa ke meja layanan.",
                       "This copy cannot be borrowed now. Please take it to the desk.")
NotOnLoan = _refusal("NotOnLoan", 409, "not_on_loan",
                     "Buku ini tidak sedang dipinjam. Silakan kembalikan ke rak atau ke petugas.",
                     "This copy is not on loan. Please put it back or hand it to a librarian.")

# Renewals
RenewLimit = _refusal("RenewLimit", 403, "renew_limit",
                      "Buku ini sudah diperpanjang sebanyak batas maksimum.",
                      "This loan has been renewed the most times allowed.")
RenewOnHold = _refusal("RenewOnHold", 409, "renew_on_hold",
                       "Buku ini tidak dapat diperpanjang karena sedang dipesan anggota lain.",
                       "This loan cannot be renewed: another member is waiting for the book.")
UnknownLoan = _refusal("UnknownLoan", 404, "unknown_loan",
                       "Pinjaman ini tidak ditemukan di akun Anda.", "This loan is not on your account.")

# Kiosk sessions and receipts
KioskKeyRequired = _refusal("KioskKeyRequired", 401, "kiosk_key_required",
                            "Layanan peminjaman hanya untuk kios perpustakaan.",
                            "Self-checkout is only for library kiosks (send the kiosk key).")
SessionRequired = _refusal("SessionRequired", 401, "session_required",
                           "Silakan pindai kartu perpustakaan Anda terlebih dahulu.",
                           "Please scan your library card first.")
SessionExpired = _refusal("SessionExpired", 401, "session_expired",
                          "Sesi Anda sudah berakhir. Silakan pindai kartu Anda lagi.",
                          "Your session has ended. Please scan your card again.")
ReceiptExpired = _refusal("ReceiptExpired", 410, "receipt_expired",
                          "Tautan struk ini sudah tidak berlaku.", "This receipt link has expired.")
