"""Events and community programmes: calendar, registration, school visits,
the kiosk's events panel and the visitor survey.

The parts, one module each: ``models`` (tables), ``schedule`` (UTC storage,
WIB display, RRULE recurrence), ``calendar`` (making events, upcoming dates,
JSON shapes), ``recurrence`` (the staff form's repetition choices, rules in
words), ``registration`` (seats, waitlist, locking), ``visits`` (school-visit
requests), ``feedback`` (the survey), ``ical`` (.ics and
feeds), ``api`` (``/api/v1``), ``public`` (pages), ``staff`` (``/staff/events``,
behind the staff portal's login), ``cli`` (``flask events``)."""
from __future__ import annotations

from flask import Flask

from . import recurrence, schedule


def init_app(app: Flask) -> None:
    from datetime import datetime

    from ..codes import resolve
    from ..i18n import when
    from . import api, calendar, cli, public, staff

    resolve.add_target_resolver(app, "event", calendar.resolve_event_code)
    from ..media import references
    from .models import Event

    references.register(app, references.url_columns(Event.cover_url))  # an event's cover in the media store

    def local_time(iso: str) -> str:
        return when(datetime.fromisoformat(iso), "full")

    from ..catalogue import merging

    merging.register_step(app, calendar.merge_books)
    app.jinja_env.globals.update(wib=schedule.WIB, local_time=local_time, recurrence_words=recurrence.event_words)
    app.jinja_env.filters["wib_date"] = lambda moment: schedule.local(moment).date()
    app.register_blueprint(public.bp)
    app.register_blueprint(staff.bp)
    from ..circulation import account

    account.add_section(app, public.account_section)  # "Akun saya" lists the member's registrations
    from .. import public as public_pages

    public_pages.add_book_section(app, public.book_section)  # a book's page names its next event
    api.init_app(app)
    app.cli.add_command(cli.events)
