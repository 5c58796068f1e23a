"""A member's choices for messages: ``/pesan/<token>`` (the link at the foot
of every message; the token is the key, no login) to choose email or
WhatsApp and the language, or to stop all messages; and the part of
"Akun saya" that shows the choice and links there."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import db, errors
from ..circulation.models import Patron
from ..circulation.patrons import find_patron
from ..clock import utcnow
from ..db import get_session
from .models import LANGUAGES, NotificationPreference
from .recipients import Person, addresses, choose, preference

bp = Blueprint("notifications_member", __name__, url_prefix="/pesan")
CHANNEL_WORDS = {"email": _l("Email"), "whatsapp": _l("WhatsApp")}


class UnknownLink(errors.PindaiError):
    status = 404
    code = "unknown_link"
    message_en = _l("This link is not known. Open the link at the end of one of our messages again.")


def _by_token(session: Session, token: str) -> NotificationPreference:
    row = session.scalar(select(NotificationPreference).where(NotificationPreference.token == token[:64])) \
        if token else None
    if row is None:
        raise UnknownLink()
    return row


def _person(session: Session, row: NotificationPreference) -> Person:
    patron = session.get(Patron, row.patron_id) if row.patron_id else None
    return Person(patron.first_name if patron else "", patron=patron, phone=row.phone)


def choices(session: Session, row: NotificationPreference) -> dict:
    """What the page shows: the channels this person has an address for, and the one in use."""
    person = _person(session, row)
    reach = addresses(person)
    used = choose(person, row)
    return {"pref": row, "channels": [c for c in ("email", "whatsapp") if c in reach],
            "used": used[0] if used else None, "reach": reach, "words": CHANNEL_WORDS}


def _page(row: NotificationPreference, status: int = 200, done=None, error=None):
    response = current_app.make_response((render_template(
        "notifications/choices.html", done=done, error=error, **choices(get_session(), row)), status))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "same-origin"  # the token is the key: never sent on
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/<token>")
def page(token: str):
    return _page(_by_token(get_session(), token), done=_DONE.get(request.args.get("done", "")))


_DONE = {"saved": _l("Saved."), "stopped": _l("You will get no more messages from us. You can turn them on again "
                                              "here at any time."),
         "resumed": _l("Messages are on again.")}


def save_choice(session: Session, row: NotificationPreference, form) -> str:
    """Apply the form (``channel``, ``language``, ``stop``/``resume``); answers which "done" to say."""
    if form.get("stop") == "1":
        row.opted_out_at = row.opted_out_at or utcnow()
        return "stopped"
    if form.get("resume") == "1":
        row.opted_out_at = None
        return "resumed"
    channel, language = form.get("channel") or "", form.get("language") or ""
    reach = addresses(_person(session, row))
    if channel not in ("email", "whatsapp") or channel not in reach:
        raise errors.BadRequest(_l("Choose email or WhatsApp (one we have an address for)."))
    if language not in LANGUAGES:
        raise errors.BadRequest(_l("Choose Bahasa Indonesia or English."))
    row.channel, row.language, row.updated_at = channel, language, utcnow()
    return "saved"


@bp.post("/<token>")
def save(token: str):
    session = get_session()
    row = _by_token(session, token)
    try:
        done = save_choice(session, row, request.form)
    except errors.PindaiError as exc:
        session.rollback()
        return _page(_by_token(session, token), exc.status, error=exc)
    session.commit()
    return redirect(url_for(".page", token=token, done=done), 303)


def account_section(session: Session, card: str):
    """"Akun saya": how the member hears from the library, with the link to change it."""
    patron = find_patron(session, card)
    if patron is None:
        return None
    row = db.write(lambda s: preference(s, Person(patron.first_name, patron=patron), "id"), session)
    if row is None:
        return None
    return "notifications/_account.html", choices(session, row)
