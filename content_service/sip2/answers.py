"""SIP2 answers in Pindai's words: loans, patrons and refusals.

Contents:
- Refusals of the library system itself: ``LibrarySystemRefused`` (a "no" we cannot
  name more precisely), ``LibrarySystemUnavailable``, ``LibrarySystemLoginRefused``,
  ``OfflineCheckin``.
- ``with_screen_message``: any refusal with the server's AF lines appended, exactly
  as the server wrote them, in both languages.
- ``patron_blocks``: the refusals a 63/64 or 23/24 answer implies (lost card, expired
  card, fines over the limit, too many loans, blocked), each with its AF text.
- ``parse_due``: the due date (AH) in whatever form servers send it.
- ``first_name``, ``category``, ``fine_amount``: patron fields.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timezone

from flask_babel import lazy_gettext as _l

from ..circulation import calendar, refusals
from .protocol import Message, parse_date, patron_status_flags


def _refusal(name: str, status: int, code: str, message) -> type:
    return type(name, (refusals.Refusal,), {"status": status, "code": code, "message_en": message})


LibrarySystemRefused = _refusal(
    "LibrarySystemRefused", 403, "refused_by_library_system",
    _l("The library system refused this. Please ask a librarian."))
LibrarySystemUnavailable = _refusal(
    "LibrarySystemUnavailable", 503, "library_system_unavailable",
    _l("The library system cannot be reached just now. Please try again shortly or ask a librarian."))
LibrarySystemLoginRefused = _refusal(
    "LibrarySystemLoginRefused", 503, "library_system_login_refused",
    _l("This kiosk cannot log in to the library system. Please ask a librarian."))
OfflineCheckin = _refusal(
    "OfflineCheckin", 503, "library_system_unavailable",
    _l("The library system cannot be reached, so the return cannot be recorded now. Please hand the book to a librarian."))


def text(value: str | None) -> str:
    """Server text for people: NFC (some servers send "e" + combining accent)."""
    return unicodedata.normalize("NFC", value or "").strip()


def with_screen_message(refusal: refusals.Refusal, answer: Message | None) -> refusals.Refusal:
    """The refusal, with the server's own screen message (AF) quoted after it."""
    lines = answer.screen_messages if answer is not None else []
    if lines:
        said = " ".join(text(line) for line in lines)
        refusal.message_id = f"{refusal.message_id} Pesan sistem perpustakaan: \u201c{said}\u201d"
        refusal.message_en = f"{refusal.message_en} The library system says: \u201c{said}\u201d"
        refusal.details["screen_message"] = said
        refusal.args = (refusal.message_en,)
    return refusal


def _expiry(answer: Message) -> date | None:
    """The card's expiry date where a server sends one (PA in Evergreen and Koha)."""
    raw = (answer.get("PA") or "").strip()
    if not raw:
        return None
    due = parse_due(raw)
    return calendar.local(due).date() if due else None


def patron_blocks(answer: Message, today: date | None = None) -> list[refusals.Refusal]:
    """Everything in a patron answer (24 or 64) that stops borrowing, most specific
    first; the AF screen message rides on the first."""
    today = today or calendar.local_today()
    if (answer.get("BL") or "Y").upper().startswith("N"):
        return [with_screen_message(refusals.UnknownCard(), answer)]
    flags = patron_status_flags(answer.fixed.get("patron_status") or "")
    found: list[refusals.Refusal] = []
    expires = _expiry(answer)
    if flags["card_reported_lost"]:
        found.append(refusals.CardLost())
    if expires is not None and expires < today:
        found.append(refusals.CardExpired(expired_on=expires.isoformat()))
    if flags["excessive_outstanding_fines"] or flags["excessive_outstanding_fees"]:
        found.append(refusals.FinesTooHigh(fines=fine_amount(answer)))
    if flags["too_many_items_charged"]:
        found.append(refusals.TooManyLoans())
    if (flags["too_many_items_overdue"] or flags["too_many_items_lost"]
            or flags["too_many_items_billed"] or flags["recall_overdue"]):
        found.append(refusals.StaffBlock(reason="overdue_or_lost_items"))
    if flags["charge_privileges_denied"] and not found:
        found.append(refusals.StaffBlock(reason="charge_privileges_denied"))
    if found:
        with_screen_message(found[0], answer)
    return found


_ISO = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d",
        "%Y%m%d", "%d/%m/%Y", "%d-%m-%Y", "%d/%m/%Y %H:%M")


def parse_due(text: str | None) -> datetime | None:
    """A due date (UTC) from AH: a SIP2 date, ISO 8601, YYYYMMDD or DD/MM/YYYY.
    Local times are the library's (WIB); a date alone means closing time."""
    raw = (text or "").strip()
    if not raw:
        return None
    if len(text or "") == 18 or re.fullmatch(r"\d{8}.{4}\d{6}", raw):
        try:
            value = parse_date((text or "").ljust(18)[:18])
        except ValueError:
            value = None
        if value is not None:
            return calendar.as_utc(value) if value.tzinfo else \
                value.replace(tzinfo=calendar.WIB).astimezone(timezone.utc)
    try:
        value = datetime.fromisoformat(raw)
        if value.tzinfo:
            return value.astimezone(timezone.utc)
        if len(raw) <= 10:
            value = datetime.combine(value.date(), calendar.DUE_TIME)
        return value.replace(tzinfo=calendar.WIB).astimezone(timezone.utc)
    except ValueError:
        pass
    for pattern in _ISO:
        try:
            value = datetime.strptime(raw, pattern)
        except ValueError:
            continue
        if "%H" not in pattern:
            value = datetime.combine(value.date(), time(23, 59, 59))
        return value.replace(tzinfo=calendar.WIB).astimezone(timezone.utc)
    return None


def first_name(personal_name: str | None) -> str:
    """The first name only (kiosks never show the full name). "Surname, Given" is
    the library-card convention of some systems."""
    name = text(personal_name)
    if "," in name:
        name = name.split(",", 1)[1].strip() or name.split(",", 1)[0]
    return (name.split() or ["Anggota"])[0][:100]  # no name sent: "member"


CATEGORIES = ("child", "adult", "student", "staff")


def category(answer: Message) -> str:
    """Pindai's patron category from the server's patron type (PC), else adult."""
    raw = (answer.get("PC") or "").strip().lower()
    for name in CATEGORIES:
        if raw.startswith(name) or {"anak": "child", "pelajar": "student", "siswa": "student",
                                    "mahasiswa": "student", "staf": "staff",
                                    "pegawai": "staff"}.get(raw) == name:
            return name
    return "adult"


def fine_amount(answer: Message) -> int:
    """BV (fee amount) as whole rupiah; '75000.00', '75.000' and 'Rp 75.000' all work."""
    raw = (answer.get("BV") or "").strip()
    if not raw:
        return 0
    cleaned = re.sub(r"[^\d.,-]", "", raw)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", cleaned):  # Indonesian: 75.000,00
        cleaned = cleaned.replace(".", "").replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        return max(0, round(float(cleaned)))
    except ValueError:
        return 0
