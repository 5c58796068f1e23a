"""Who a message goes to and how: a member's (or a phone registrant's)
preference (channel, language, opt-out, the token of their choices link),
made on first need, and the address a channel uses. WhatsApp and SMS want
international digits: Indonesian numbers are written 08xx, sent 628xx."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..circulation.models import Patron
from ..clock import utcnow
from ..tokens import url_token
from .models import LANGUAGES, NotificationPreference


@dataclass(frozen=True)
class Person:
    """Whom a message is about: a member, or a name with a phone number."""

    name: str
    patron: Patron | None = None
    phone: str | None = None


def international(number: str | None) -> str | None:
    """``0812-3456 7890`` / ``+62 812...`` -> ``6281234567890``; None when it is no phone number."""
    digits = re.sub(r"[\s().+-]", "", number or "")
    if not digits.isdigit():
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits if 9 <= len(digits) <= 15 else None


def insert_ignoring_duplicates(session: Session, table, values: dict) -> None:
    """INSERT, or nothing when a unique key is taken (``ON CONFLICT DO NOTHING``),
    without ending the caller's transaction as a failed INSERT would on PostgreSQL."""
    dialect = session.get_bind().dialect.name
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:  # another database: a savepoint keeps the transaction
        from sqlalchemy.exc import IntegrityError

        try:
            with session.begin_nested():
                session.execute(table.insert().values(**values))
        except IntegrityError:
            pass
        return
    session.execute(insert(table).values(**values).on_conflict_do_nothing())


def preference(session: Session, person: Person, language: str = "id") -> NotificationPreference | None:
    """The person's preference row, made (with the language they used) on first need."""
    if person.patron is not None:
        where = NotificationPreference.patron_id == person.patron.id
        values: dict[str, Any] = {"patron_id": person.patron.id}
    elif person.phone:
        where = NotificationPreference.phone == person.phone
        values = {"phone": person.phone}
    else:
        return None
    found = session.scalar(select(NotificationPreference).where(where))
    if found is None:
        insert_ignoring_duplicates(session, NotificationPreference.__table__, {
            **values, "token": url_token(24), "channel": None, "updated_at": utcnow(),
            "language": language if language in LANGUAGES else "id"})
        found = session.scalar(select(NotificationPreference).where(where))
    return found


def key(person: Person) -> tuple[str, Any] | None:
    """What a person's preference is found by: the member, else the phone number."""
    if person.patron is not None:
        return ("patron", person.patron.id)
    return ("phone", person.phone) if person.phone else None


def preferences(session: Session, people: list[tuple[Person, str]]) -> dict:
    """The preferences of many people at once (by ``key``), made for those who have none."""
    wanted: dict[tuple[str, Any], tuple[Person, str]] = {}
    for person, language in people:
        found_key = key(person)
        if found_key is not None:
            wanted[found_key] = (person, language)
    patron_ids = [k[1] for k in wanted if k[0] == "patron"]
    phones = [k[1] for k in wanted if k[0] == "phone"]
    found: dict = {}

    def read() -> None:
        if patron_ids:
            for row in session.scalars(select(NotificationPreference).where(
                    NotificationPreference.patron_id.in_(patron_ids))):
                found[("patron", row.patron_id)] = row
        if phones:
            for row in session.scalars(select(NotificationPreference).where(NotificationPreference.phone.in_(phones))):
                found[("phone", row.phone)] = row

    read()
    missing = [k for k in wanted if k not in found]
    for k in missing:
        preference(session, *wanted[k])
    if missing:
        read()
    return found


def addresses(person: Person) -> dict[str, str]:
    """The channels this person can be reached on, with the address of each."""
    found = {}
    if person.patron is not None and person.patron.email:
        found["email"] = person.patron.email.strip()
    phone = international(person.patron.phone if person.patron is not None else person.phone)
    if phone:
        found["whatsapp"] = found["sms"] = phone
    return found


def choose(person: Person, pref: NotificationPreference | None, *, email_only: bool = False,
           email: bool = True) -> tuple[str, str] | None:
    """(channel, address): the person's choice when it can be used, else email
    when there is an address (and ``email``: this service can send it), else
    WhatsApp; None when nothing reaches them."""
    reach = addresses(person)
    reach.pop("sms", None)  # no SMS sender yet
    if not email:
        reach.pop("email", None)
    if email_only:
        return ("email", reach["email"]) if "email" in reach else None
    chosen = pref.channel if pref is not None else None
    for channel in (chosen, "email", "whatsapp"):
        if channel in reach:
            return channel, reach[channel]
    return None
