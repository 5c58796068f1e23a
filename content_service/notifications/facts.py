"""What each kind's message says, read from the database when it is sent
(so it says what is true then: a hold already collected, a registration
cancelled or a loan renewed is not told at all), and whom it is about."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from babel.dates import format_date
from sqlalchemy.orm import Session

from ..catalogue.models import Book
from ..circulation import calendar, holds
from ..circulation.models import Hold, Loan
from ..circulation.patrons import find_patron
from ..clock import as_utc, local
from ..events import ical, registration as registrations, schedule
from ..events.models import Event, Registration
from ..libraries import default_library
from .models import Notification
from .recipients import Person


class NotWanted(Exception):
    """The message no longer tells anything true (its reason is kept on the row)."""


@dataclass
class Draft:
    person: Person
    context: dict
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, mime type, bytes)


def day_words(day: date, language: str) -> str:
    """``Kamis, 10 Desember 2026`` / ``Thursday, December 10, 2026`` (no leading zero, as librarians write it)."""
    return format_date(day, "EEEE, d MMMM y" if language == "id" else "full", locale=language)


def moment_words(moment: datetime, language: str) -> str:
    """A moment in WIB as the library writes it: ``Sabtu, 12 Desember 2026 09.00 WIB``."""
    at = local(moment)
    clock = at.strftime("%H.%M") if language == "id" else at.strftime("%H:%M")
    return f"{day_words(at.date(), language)} {clock} WIB"


def draft(session: Session, row: Notification, language: str, base_url: str, library: str | None = None,
          memo: dict | None = None) -> Draft:
    """The person and the template's names for ``row``, or ``NotWanted``
    (``library``: the library's name, when the caller has it already; ``memo``:
    a batch's members already looked up, by card)."""
    loader = _LOADERS[row.kind]
    found = loader(session, row.facts or {}, language, base_url, memo if memo is not None else {})
    found.context.setdefault("library", library or default_library(session).name)
    found.context.setdefault("name", found.person.name)
    return found


def _person_of_card(session: Session, card: str | None, known: dict) -> Person | None:
    """The member with this card (``known``: the batch's members looked up already)."""
    if not card:
        return None
    if ("card", card) not in known:
        known[("card", card)] = find_patron(session, card)
    patron = known[("card", card)]
    return Person(patron.first_name, patron=patron) if patron is not None else None


def _registration(session: Session, facts: dict, language: str, base_url: str, memo: dict, *, kind: str) -> Draft:
    reg = session.get(Registration, int(facts.get("registration_id", 0)))
    if reg is None or reg.status == "cancelled":
        raise NotWanted("the registration was cancelled")
    if kind != "registration" and reg.status != "confirmed":
        raise NotWanted("the registration has no seat")
    start = as_utc(reg.occurrence.starts_at)
    event = session.get_one(Event, reg.occurrence.event_id)
    title = (event.title_en or event.title) if language == "en" else event.title
    event_url = f"{base_url}/events/{event.id}/{schedule.occurrence_key(start)}"
    person = _person_of_card(session, reg.card_number, memo) or Person(
        (reg.name or "").split()[0] if (reg.name or "").split() else "", phone=reg.phone)
    context = {"event": title, "when": moment_words(start, language), "event_url": event_url,
               "place": event.location or "", "cancel_url": f"{base_url}/registrations/{reg.token}/cancel",
               "waiting": reg.status == "waitlisted", "position": registrations.waitlist_position(session, reg)}
    attachments = []
    if kind in ("registration", "waitlist_promoted") and reg.status == "confirmed":
        ics = ical.calendar([(event, event_url)], base_url, title, language, only=start)
        attachments.append((f"acara-{event.id}.ics", "text/calendar", ics))
    return Draft(person, context, attachments)


def _hold(session: Session, facts: dict, language: str, base_url: str, memo: dict) -> Draft:
    hold = session.get(Hold, int(facts.get("hold_id", 0)))
    if hold is None or hold.ended_at is not None or hold.item_id != facts.get("item_id") or hold.ready_at is None:
        raise NotWanted("the hold is no longer on the hold shelf")
    book = session.get_one(Book, hold.book_id)
    where = holds.pickup_library(hold)
    return Draft(Person(hold.patron.first_name, patron=hold.patron), {
        "title": book.title, "pickup_library": where["name"] if where else default_library(session).name,
        "pickup_by": day_words(calendar.due_date(hold.pickup_by), language) if hold.pickup_by else "",
        "account_url": f"{base_url}/akun"})


def _loan(session: Session, facts: dict, language: str, base_url: str, memo: dict) -> Draft:
    loan = session.get(Loan, int(facts.get("loan_id", 0)))
    if loan is None or loan.returned_at is not None:
        raise NotWanted("the book is back")
    due = calendar.due_date(loan.due_at)
    if facts.get("due_date") and facts["due_date"] != due.isoformat():
        raise NotWanted("the loan was renewed")
    return Draft(Person(loan.patron.first_name, patron=loan.patron), {
        "title": loan.item.book.title, "due_date": day_words(due, language), "account_url": f"{base_url}/akun"})


def _receipt(session: Session, facts: dict, language: str, base_url: str, memo: dict) -> Draft:
    person = _person_of_card(session, facts.get("card"), memo)
    if person is None:
        raise NotWanted("the member is not known here")
    lines = []
    for line in facts.get("lines") or []:
        try:
            due = day_words(date.fromisoformat(line.get("due_date") or ""), language)
        except ValueError:
            due = line.get("due_date") or ""
        lines.append({"title": line.get("title") or "", "due_date": due, "action": line.get("action") or ""})
    return Draft(person, {"lines": lines, "receipt_url": facts.get("url") or ""})


_LOADERS = {
    "registration": lambda s, f, lang, b, m: _registration(s, f, lang, b, m, kind="registration"),
    "waitlist_promoted": lambda s, f, lang, b, m: _registration(s, f, lang, b, m, kind="waitlist_promoted"),
    "event_reminder": lambda s, f, lang, b, m: _registration(s, f, lang, b, m, kind="event_reminder"),
    "hold_ready": _hold,
    "due_soon": _loan,
    "overdue": _loan,
    "kiosk_receipt": _receipt,
}

