"""Registering for an event date: seats up to capacity, a waitlist that moves
up by itself when someone cancels, one place per person, a cancel link.

A person is a library card, or a name with a phone number: a parent may
register each child with the same phone (up to ``MAX_PER_PHONE`` people per
number and date, each a seat of their own); the same name and number again
is the registration already made.

Concurrency. Every change to a date's registrations starts its transaction
by updating that date's ``event_occurrence`` row: on PostgreSQL a row lock,
on SQLite the database's write lock (a write as the first statement waits
on the busy timeout instead of failing). Counting seats after that sees
every earlier registration. Independently of the lock, confirmed seats are
numbered 1..capacity and unique per date in the database, so no interleaving
can ever seat more people than there are seats."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import db, errors, outbox
from ..cards import UnknownCard, normalise_card
from ..tokens import url_token
from . import schedule
from .models import Event, EventOccurrence, Registration

MAX_PER_PHONE = 4  # people one phone number may register for one date (a parent and children)


class RegistrationClosed(errors.PindaiError):
    status = 409
    code = "registration_closed"
    message_en = _l("Registration for this event is closed.")


class RegistrationNotNeeded(errors.PindaiError):
    status = 409
    code = "registration_not_needed"
    message_en = _l("This event needs no registration. Just come along!")


class AlreadyRegistered(errors.PindaiError):
    status = 409
    code = "already_registered"
    message_en = _l("You are already registered for this event.")


class PhoneLimit(errors.PindaiError):
    status = 409
    code = "phone_limit"
    message_en = _l("At most %(n)d people can be registered with one phone number for a date.", n=MAX_PER_PHONE)


class UnknownRegistration(errors.PindaiError):
    status = 404
    code = "unknown_registration"
    message_en = _l("This registration was not found.")


def normalise_phone(text: str | None) -> str | None:
    """Indonesian numbers as digits with the country code (0812... -> 62812...)."""
    digits = re.sub(r"[\s().+-]", "", text or "")
    if not digits.isdigit():
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits if 9 <= len(digits) <= 15 else None


def person(card_number: str | None = None, name: str | None = None, phone: str | None = None) -> dict:
    """Who registers, checked and normalised: a library card, or a name and a
    phone number for visitors without one."""
    if card_number:
        card = normalise_card(card_number)
        if card is None:
            raise errors.BadRequest(_l("This is not a library card number."))
        return {"identity": f"card:{card}", "card_number": card, "name": (name or "").strip() or None, "phone": None}
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise errors.BadRequest(_l("Please give your name (or a library card)."))
    number = normalise_phone(phone)
    if number is None:
        raise errors.BadRequest(_l("Please give a phone number we can reach, e.g. 0812 3456 7890."))
    return {"identity": f"phone:{number}:{name_key(name)}", "card_number": None, "name": name, "phone": number}


def name_key(name: str) -> str:
    """A name as the same person types it twice ("Siti  Aminah", "siti aminah")."""
    return hashlib.sha256(" ".join(name.split()).casefold().encode()).hexdigest()[:16]


def open_for_registration(event: Event, start: datetime, now: datetime | None = None) -> None:
    """Raise unless people can register for this date now."""
    if event.status != "published" or not schedule.is_occurrence(event, start):
        raise RegistrationClosed(_l("This event does not take place on that date."))
    if not event.registration_required:
        raise RegistrationNotNeeded()
    if schedule.as_utc(start) <= (now or schedule.now()):
        raise RegistrationClosed()


def _occurrence_id(session: Session, event_id: int, start: datetime) -> int:
    """The date's row id, made if it is the first registration. Two makers
    racing meet the unique constraint and the loser, run again, reads the
    winner's row."""
    query = select(EventOccurrence.id).where(EventOccurrence.event_id == event_id, EventOccurrence.starts_at == start)

    def find_or_make(session: Session) -> int:
        found = session.scalar(query)
        if found is not None:
            return found
        row = EventOccurrence(event_id=event_id, starts_at=start, lock_version=0)
        session.add(row)
        session.flush()
        return row.id

    return db.write(find_or_make, session, retry=(IntegrityError,))


def _lock(session: Session, occurrence_id: int) -> EventOccurrence:
    session.execute(
        update(EventOccurrence)
        .where(EventOccurrence.id == occurrence_id)
        .values(lock_version=EventOccurrence.lock_version + 1)
    )
    return session.get_one(EventOccurrence, occurrence_id, populate_existing=True)


def _in_one_transaction(session: Session, occurrence_id: int, work):
    """Run ``work(occurrence)`` in a transaction of its own that begins by
    locking the date, and commit (``db.write``); a lost race (lock timeout,
    deadlock, a seat taken in between) is retried from the start."""
    return db.write(lambda session: work(_lock(session, occurrence_id)), session, retry=(IntegrityError,))


def _taken_seats(session: Session, occurrence_id: int) -> set[int]:
    return set(session.scalars(
        select(Registration.seat).where(Registration.occurrence_id == occurrence_id, Registration.status == "confirmed")
    ))


def _free_seat(event: Event, taken: set[int]) -> int | None:
    if event.capacity is None:
        return max(taken, default=0) + 1
    return next((seat for seat in range(1, event.capacity + 1) if seat not in taken), None)


def register(session: Session, event: Event, start: datetime, *, card_number: str | None = None,
             name: str | None = None, phone: str | None = None, channel: str = "phone",
             kiosk_id: int | None = None, now: datetime | None = None) -> Registration:
    """Register a person for one date: a seat when one is free, else a place
    on the waitlist. Commits (see the module docstring for why)."""
    start = schedule.as_utc(start)
    who = person(card_number, name, phone)
    open_for_registration(event, start, now)
    event_id = event.id
    occurrence_id = _occurrence_id(session, event_id, start)

    def work(occurrence: EventOccurrence) -> Registration:
        event = session.get_one(Event, event_id, populate_existing=True)
        existing = session.scalar(select(Registration).where(
            Registration.occurrence_id == occurrence.id, Registration.identity == who["identity"],
            Registration.status != "cancelled"))
        if existing is not None:
            raise AlreadyRegistered(token=existing.token, status=existing.status)
        if who["phone"] is not None and _on_one_phone(session, occurrence.id, who["phone"]) >= MAX_PER_PHONE:
            raise PhoneLimit()
        seat = _free_seat(event, _taken_seats(session, occurrence.id))
        registration = Registration(
            occurrence_id=occurrence.id, status="confirmed" if seat else "waitlisted", seat=seat,
            token=url_token(24), channel=channel, kiosk_id=kiosk_id, **who,
        )
        session.add(registration)
        session.flush()
        # The confirmation (a seat, or a place on the waiting list) commits with the registration.
        outbox.happened(session, "registration", registration_id=registration.id)
        return registration

    return _in_one_transaction(session, occurrence_id, work)


def _on_one_phone(session: Session, occurrence_id: int, phone: str) -> int:
    return session.scalar(select(func.count()).select_from(Registration).where(
        Registration.occurrence_id == occurrence_id, Registration.identity.startswith(f"phone:{phone}:"),
        Registration.status != "cancelled")) or 0


def by_token(session: Session, token: str) -> Registration:
    registration = session.scalar(select(Registration).where(Registration.token == token)) if token else None
    if registration is None:
        raise UnknownRegistration()
    return registration


def cancel(session: Session, token: str, now: datetime | None = None) -> Registration:
    """Cancel a registration by its link; a freed seat goes to the first
    person waiting. Cancelling twice is harmless. Commits."""
    registration = by_token(session, token)
    registration_id = registration.id

    def work(occurrence: EventOccurrence) -> Registration:
        registration = session.get_one(Registration, registration_id, populate_existing=True)
        if registration.status != "cancelled":
            registration.status, registration.seat = "cancelled", None
            registration.cancelled_at = now or schedule.now()
            session.flush()
            fill_free_seats(session, occurrence, now=now)
        return registration

    return _in_one_transaction(session, registration.occurrence_id, work)


def fill_free_seats(session: Session, occurrence: EventOccurrence, now: datetime | None = None) -> list[Registration]:
    """Give free seats to the waitlist in the order people joined it. Call
    with the date locked."""
    event = session.get_one(Event, occurrence.event_id)
    promoted = []
    taken = _taken_seats(session, occurrence.id)
    waiting = session.scalars(
        select(Registration)
        .where(Registration.occurrence_id == occurrence.id, Registration.status == "waitlisted")
        .order_by(Registration.created_at, Registration.id)
    )
    for registration in waiting:
        seat = _free_seat(event, taken)
        if seat is None:
            break
        registration.status, registration.seat = "confirmed", seat
        registration.promoted_at = now or schedule.now()
        taken.add(seat)
        promoted.append(registration)
    session.flush()
    for registration in promoted:  # told once: the outbox row commits with the seat
        outbox.happened(session, "waitlist_promoted", registration_id=registration.id)
    return promoted


def capacity_changed(session: Session, event: Event) -> int:
    """After staff raise a capacity: seat waiting people on every future date. Commits."""
    occurrence_ids = session.scalars(select(EventOccurrence.id).where(
        EventOccurrence.event_id == event.id, EventOccurrence.starts_at > schedule.now()))
    promoted = 0
    for occurrence_id in list(occurrence_ids):
        promoted += len(_in_one_transaction(session, occurrence_id, lambda occ: fill_free_seats(session, occ)))
    return promoted


def waitlist_position(session: Session, registration: Registration) -> int | None:
    """1 for the next person to get a seat; None when not waiting."""
    if registration.status != "waitlisted":
        return None
    ahead = session.scalars(select(Registration.id).where(
        Registration.occurrence_id == registration.occurrence_id, Registration.status == "waitlisted",
        (Registration.created_at < registration.created_at)
        | ((Registration.created_at == registration.created_at) & (Registration.id < registration.id)),
    )).all()
    return len(ahead) + 1


def for_date(session: Session, event: Event, start: datetime) -> list[Registration]:
    """Everyone registered for one date (staff's list), seats first, then the waitlist."""
    return list(session.scalars(
        select(Registration).join(EventOccurrence)
        .where(EventOccurrence.event_id == event.id, EventOccurrence.starts_at == schedule.as_utc(start))
        .order_by(Registration.status, Registration.seat, Registration.created_at, Registration.id)
    ))


def mark_attended(session: Session, registration: Registration, now: datetime | None = None) -> None:
    """Staff tick off who came."""
    if registration.status != "confirmed":
        raise errors.BadRequest(_l("Only a confirmed registration can be marked as attended."))
    registration.attended_at = now or schedule.now()


class CardCheckUnavailable(errors.PindaiError):
    status = 503
    code = "card_check_unavailable"
    message_en = _l("Registering with a library card is not available here yet. Register with a name and phone number.")


class CardOrPinWrong(errors.PindaiError):
    """Away from a kiosk every refusal that only a card that exists can get
    (wrong PIN, locked, no PIN yet, reported lost) is this one answer, the
    answer of an unknown card: otherwise anyone could find out which card
    numbers exist."""

    status = 401
    code = "card_or_pin_wrong"
    message_en = _l("The library card number or the PIN is wrong. After 5 wrong PINs a card is locked for 15 minutes; "
                    "a librarian can help.")


# What an existing card alone can be refused with when its PIN is checked.
_CARD_REVEALING = ("unknown_card", "wrong_pin", "card_locked", "no_pin", "card_lost")


def check_card(session: Session, card: str, pin: str | None, *, at_kiosk: bool = False) -> str:
    """Check a library card with circulation and return its number as
    stored. At a kiosk the card was scanned, so it need only exist; away
    from one its PIN is checked too (circulation counts wrong PINs and
    locks the card). Raises when it does not check out."""
    try:
        from ..circulation.backends import get_backend
    except ImportError:  # circulation not installed in this deployment
        raise CardCheckUnavailable() from None
    number = normalise_card(card)
    if number is None:
        raise errors.BadRequest(_l("This is not a library card number."))
    backend = get_backend()
    if at_kiosk:
        if not backend.find_card(session, number):
            raise UnknownCard()
        return number
    try:
        return backend.authenticate(session, number, pin or "")["card"]
    except errors.PindaiError as exc:
        # (The try is already counted: circulation commits it before comparing the PIN.)
        if exc.code in _CARD_REVEALING:
            raise CardOrPinWrong() from None
        raise
