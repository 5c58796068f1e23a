"""An event's share card (the date page's Open Graph tags) and its square
Instagram poster: title, next date and time in WIB, place, the library and
the QR of the event's label URL (the A4 poster's code, ``staff.poster``)."""
from __future__ import annotations

from flask import Response
from flask_babel import force_locale, format_date, gettext, lazy_gettext as _l
from sqlalchemy.orm import Session

from .. import sharing
from ..i18n import clock, current_language, in_language, label
from ..sharing.books import stored_cover
from ..sharing.posters import Poster
from . import calendar, recurrence, schedule
from .models import Event

HINT = _l("Scan for details.")
HINT_REGISTER = _l("Scan for details and registration.")


def _title(event: Event) -> str:
    return event.title_en if current_language() == "en" and event.title_en else event.title


def when_words(occ: schedule.Occurrence) -> tuple[str, str]:
    """(the date, the time of day in WIB) in the current language."""
    start, end = schedule.local(occ.start), schedule.local(occ.end)
    return format_date(start, "full"), gettext("%(start)s–%(end)s WIB", start=clock(start), end=clock(end))


def date_card(occ: schedule.Occurrence) -> sharing.Card:
    """The card of a date's page: when and where first (what a chat preview
    must say), then the summary; the cover, else the event's poster."""
    event = occ.event
    summary = event.summary_en if current_language() == "en" and event.summary_en else event.summary
    day, hours = when_words(occ)
    where = " · ".join(part for part in (event.location, event.library.name) if part)
    text = f"{day}, {hours}" + (f" · {where}" if where else "") + (f". {summary or event.description}"
                                                                     if summary or event.description else "")
    return sharing.card(title=_title(event), description=text,
                        url=sharing.public_url("events_public.event_date", event_id=event.id, key=occ.key),
                        image=calendar.cover_url(event),
                        poster_url=sharing.public_url("events_public.event_poster", event_id=event.id))


def poster_date(session: Session, event: Event) -> schedule.Occurrence:
    """The date a poster shows: the next one, or (past, or not published) its first."""
    upcoming = calendar.upcoming_dates(session, event, limit=1)
    if upcoming:
        return upcoming[0]
    start = schedule.as_utc(event.starts_at)
    return schedule.Occurrence(event, start, start + schedule.duration(event))


def event_poster(session: Session, event: Event) -> Poster:
    """The event's square poster, in Indonesian; its heading and hint in English too."""
    url, code = sharing.label_url(session, "event", event.id)
    occ = poster_date(session, event)
    hint = HINT_REGISTER if event.registration_required else HINT
    with force_locale("id"):
        day, hours = when_words(occ)
        repeats = recurrence.event_words(event) if event.rrule else ""
        kind = label("category", event.category)
    with force_locale("en"):
        kind_en = label("category", event.category)
    heading = kind if kind == kind_en else f"{kind} · {kind_en}"
    lines = (day, hours, repeats, event.location or "")
    return Poster(heading=heading, title=event.title, lines=tuple(line for line in lines if line), url=url,
                  code=code, library=event.library.name, hint=(in_language("id", hint), in_language("en", hint)),
                  cover=stored_cover(event.cover_url))


def poster_png(session: Session, event: Event, *, staff: bool = False) -> Response:
    """The poster as a PNG answer: cached publicly, or (``staff``, drafts too)
    a file to save, never kept by a shared cache."""
    return sharing.poster_response(event_poster(session, event), f"poster-acara-{event.id}.png",
                                   download=staff, public=not staff)
