"""Signing the visitor book, and counting visits.

A member signs with the library card (checked through the circulation
backend, so SIP2 and SLiMS cards work too); a guest with a name and an
institution (school, campus, office, or "umum"), and optionally a group for
the statistics. Every signing is kept. One by the same person at the same
library less than ``REPEAT_MINUTES`` after their previous one is a repeat:
kept, marked, and left out of every count (a child signing twice, a member
scanning the card again on the way out). Plain functions on a session: they
flush, never commit."""
from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import errors
from ..cards import normalise_card
from ..clock import WIB, as_utc, local, utcnow
from .models import GROUPS, Visit

REPEAT_MINUTES = 60
NAME_MAX, INSTITUTION_MAX = 100, 150


class BadVisitor(errors.PindaiError):
    status = 400
    code = "bad_visitor"
    message_en = _l("Scan your library card, or write your name and where you come from.")


class UnknownVisitorCard(errors.PindaiError):
    status = 404
    code = "unknown_card"
    message_en = _l("This library card is not known. Write your name instead, or ask at the desk.")


def _clean(text, limit: int, field: str) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise BadVisitor()
    value = re.sub(r"\s+", " ", text).strip()
    if len(value) > limit:
        raise errors.BadRequest(_l("'%(name)s' is longer than %(max)s characters.", name=field, max=limit))
    return value or None


def person_key(kind: str, value: str) -> str:
    """A keyed hash of who signed: the card, or the name and institution as typed (case and spaces aside)."""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, f"{kind}:{value.casefold()}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def sign(session: Session, *, library_id: int, kiosk_id: int | None, card: str | None = None,
         name: str | None = None, institution: str | None = None, group: str | None = None,
         card_known=None, now: datetime | None = None) -> Visit:
    """Record one signing; ``card_known(card)`` says whether a card is the library's."""
    now = now or utcnow()
    if group is not None and group not in GROUPS:
        raise errors.BadRequest(_l("'group' is one of: %(choices)s.", choices=", ".join(GROUPS)))
    if card is not None:
        if not isinstance(card, str):
            raise BadVisitor()
        number = normalise_card(card)
        if number is None or (card_known is not None and not card_known(number)):
            raise UnknownVisitorCard()
        visit = Visit(kind="member", person=person_key("card", number), group=group)
    else:
        who, where = _clean(name, NAME_MAX, "name"), _clean(institution, INSTITUTION_MAX, "institution")
        if who is None or len(who) < 2:
            raise BadVisitor()
        visit = Visit(kind="guest", person=person_key("guest", f"{who}|{where or ''}"), name=who,
                      institution=where, group=group)
    visit.library_id, visit.kiosk_id, visit.at = library_id, kiosk_id, now
    visit.is_repeat = is_repeat(session, visit.person, library_id, now)
    session.add(visit)
    session.flush()
    return visit


def is_repeat(session: Session, person: str, library_id: int, at: datetime) -> bool:
    at = at.astimezone(timezone.utc)  # bound as UTC: SQLite compares the text, PostgreSQL the instants
    earlier = select(Visit.id).where(Visit.person == person, Visit.library_id == library_id,
                                     Visit.at > at - timedelta(minutes=REPEAT_MINUTES), Visit.at <= at).limit(1)
    return session.scalar(earlier) is not None


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants a span of library days (WIB) runs between."""
    start = datetime.combine(first, time.min, tzinfo=WIB).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=WIB).astimezone(timezone.utc)
    return start, end


def visits_by_day(session: Session, first: date, last: date, library_id: int | None = None) -> Counter:
    """Counted visits (repeats left out) per library day (WIB)."""
    start, end = day_bounds(first, last)
    query = select(Visit.at).where(Visit.is_repeat.is_(False), Visit.at >= start, Visit.at < end)
    if library_id is not None:
        query = query.where(Visit.library_id == library_id)
    return Counter(local(as_utc(at)).date() for at in session.scalars(query))


def count_today(session: Session, library_id: int, now: datetime | None = None) -> int:
    today = local(now or utcnow()).date()
    start, end = day_bounds(today, today)
    return int(session.scalar(select(func.count()).select_from(Visit).where(
        Visit.library_id == library_id, Visit.is_repeat.is_(False), Visit.at >= start, Visit.at < end)) or 0)
