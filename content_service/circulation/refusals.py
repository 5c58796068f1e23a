"""Every reason circulation says no: a stable machine code and a plain
sentence (an English gettext id, answered in Bahasa Indonesia and English). Answered like any ``PindaiError``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .. import cards, errors


class Refusal(errors.PindaiError):
    """Base of circulation refusals."""

    status = 403
    code = "refused"


def _refusal(name: str, status: int, code: str, message) -> type[Refusal]:
    return type(name, (Refusal,), {"status": status, "code": code, "message_en": message})


# Patrons and their cards
class UnknownCard(cards.UnknownCard, Refusal):
    """The one ``unknown_card`` (``cards``, shared with events), as a refusal."""


WrongPin = _refusal("WrongPin", 401, "wrong_pin",
                    _l("Wrong PIN. Please try again."))
CardLocked = _refusal("CardLocked", 423, "card_locked",
                      _l("This card is locked for a while after 5 wrong PINs."))
NoPin = _refusal("NoPin", 403, "no_pin",
                 _l("This card has no PIN yet. Please ask a librarian to set one."))
CardExpired = _refusal("CardExpired", 403, "card_expired",
                       _l("Your card has expired. Please renew it at the desk."))
CardLost = _refusal("CardLost", 403, "card_lost",
                    _l("This card has been reported lost. Please ask a librarian."))
FinesTooHigh = _refusal("FinesTooHigh", 403, "fines_too_high",
                        _l("Your fines are above the limit. Please pay them at the desk."))
StaffBlock = _refusal("StaffBlock", 403, "blocked_by_staff",
                      _l("Borrowing is suspended on your card. Please ask a librarian."))
TooManyLoans = _refusal("TooManyLoans", 403, "too_many_loans",
                        _l("You have already borrowed the most books allowed."))

# Copies
NotAnItem = _refusal("NotAnItem", 422, "not_an_item",
                     _l("Scan the library label on the book, not its ISBN barcode."))
ReferenceCopy = _refusal("ReferenceCopy", 403, "reference_copy",
                         _l("Reference books are read in the library and cannot be borrowed."))
OnHoldForAnother = _refusal("OnHoldForAnother", 409, "on_hold_for_another",
                            _l("This copy is on hold for another member."))
AlreadyOnLoan = _refusal("AlreadyOnLoan", 409, "already_on_loan",
                         _l("This copy is already on loan. Please take it to the desk."))
AlreadyYours = _refusal("AlreadyYours", 409, "already_borrowed_by_you",
                        _l("You have already borrowed this copy."))
NotLoanable = _refusal("NotLoanable", 409, "not_loanable",
                       _l("This copy cannot be borrowed now. Please take it to the desk."))
NotOnLoan = _refusal("NotOnLoan", 409, "not_on_loan",
                     _l("This copy is not on loan. Please put it back or hand it to a librarian."))

# Renewals
RenewLimit = _refusal("RenewLimit", 403, "renew_limit",
                      _l("This loan has been renewed the most times allowed."))
RenewOnHold = _refusal("RenewOnHold", 409, "renew_on_hold",
                       _l("This loan cannot be renewed: another member is waiting for the book."))
RenewNotExtended = _refusal("RenewNotExtended", 409, "renew_not_extended",
                            _l("Renewing would not extend this loan. Please return the book or ask a librarian."))
UnknownLoan = _refusal("UnknownLoan", 404, "unknown_loan",
                       _l("This loan is not on your account."))

# Holds ("Pesan buku")
CopyOnShelf = _refusal("CopyOnShelf", 409, "copy_on_shelf",
                       _l("A copy is on the shelf now: take it and borrow it, no reservation needed."))
AlreadyReserved = _refusal("AlreadyReserved", 409, "already_reserved",
                           _l("You have already reserved this book."))
ReserveOwnLoan = _refusal("ReserveOwnLoan", 409, "reserve_own_loan",
                          _l("You have this book on loan already."))
NotHoldable = _refusal("NotHoldable", 409, "not_holdable",
                       _l("This book has no copy that can be reserved. Please ask a librarian."))
TooManyHolds = _refusal("TooManyHolds", 403, "too_many_holds",
                        _l("You have already reserved the most books allowed."))
UnknownHold = _refusal("UnknownHold", 404, "unknown_hold",
                       _l("This reservation is not on your account."))
HoldsUnsupported = _refusal("HoldsUnsupported", 501, "holds_unsupported",
                            _l("Reservations cannot be made here for this library system. Please ask at the desk."))

# Kiosk sessions and receipts
KioskKeyRequired = _refusal("KioskKeyRequired", 401, "kiosk_key_required",
                            _l("Self-checkout is only for library kiosks (send the kiosk key)."))
SessionRequired = _refusal("SessionRequired", 401, "session_required",
                           _l("Please scan your library card first."))
SessionExpired = _refusal("SessionExpired", 401, "session_expired",
                          _l("Your session has ended. Please scan your card again."))
ReceiptExpired = _refusal("ReceiptExpired", 410, "receipt_expired",
                          _l("This receipt link has expired."))
NoEmail = _refusal("NoEmail", 409, "no_email",
                  _l("We have no email address for your card. Please give one at the desk."))
