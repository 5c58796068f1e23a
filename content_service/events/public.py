"""Public events pages: the week-by-week programme with filters, each date
with seats left and a register form, registrations with their cancel link,
"add to calendar" (.ics and subscribable feeds), school-visit requests and
the phone survey."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from .. import errors
from ..args import date_arg
from ..db import get_session
from ..i18n import current_language, label
from ..libraries import all_libraries, get_library
from . import calendar, feedback, ical, registration, schedule, sharing, visits
from .models import AUDIENCES, CATEGORIES, Event, EventOccurrence, Registration

bp = Blueprint("events_public", __name__)
WEEKS_SHOWN = 4


def _week_param() -> date:
    this_week = schedule.week_start(schedule.local(schedule.now()).date())
    chosen = date_arg("week")
    return this_week if chosen is None else schedule.week_start(chosen)


@bp.get("/events")
def index():
    category = request.args.get("category") or None
    audience = request.args.get("audience") or None
    if category not in (None, *CATEGORIES) or audience not in (None, *AUDIENCES):
        raise errors.BadRequest(_l("Unknown category or audience."))
    first = _week_param()
    start = datetime.combine(first, time(0), tzinfo=schedule.WIB)
    session = get_session()
    libraries = all_libraries(session)
    library = get_library(session, request.args["library"]) if request.args.get("library") else None
    found = calendar.upcoming(session, after=max(schedule.as_utc(start), schedule.now()), days=7 * WEEKS_SHOWN,
                              category=category, audience=audience, library_id=library.id if library else None)
    found = [occ for occ in found if schedule.local(occ.start) < start + timedelta(days=7 * WEEKS_SHOWN)]
    seats = calendar.seats_left(session, found)
    weeks = []
    for n in range(WEEKS_SHOWN):
        monday = first + timedelta(days=7 * n)
        dates = [occ for occ in found if schedule.week_start(schedule.local(occ.start).date()) == monday]
        weeks.append({"start": monday, "end": monday + timedelta(days=6), "runs": calendar.runs_of_days(dates)})
    return render_template(
        "events/index.html", weeks=weeks, seats=seats, category=category, audience=audience,
        categories=CATEGORIES, audiences=AUDIENCES, today=schedule.local(schedule.now()).date(),
        libraries=libraries if len(libraries) > 1 else [], library=library,
        earlier=first - timedelta(days=7 * WEEKS_SHOWN), later=first + timedelta(days=7 * WEEKS_SHOWN),
    )


@bp.get("/events/<int:event_id>")
def event_page(event_id: int):
    """An event's page: its next date (or, once past, the last one)."""
    session = get_session()
    event = calendar.get_event(session, event_id)
    upcoming = calendar.upcoming_dates(session, event, limit=1)
    start = upcoming[0].start if upcoming else schedule.as_utc(event.starts_at)
    return redirect(url_for(".event_date", event_id=event.id, key=schedule.occurrence_key(start)))


def _occurrence(session, event_id: int, key: str) -> schedule.Occurrence:
    event = calendar.get_event(session, event_id)
    start = schedule.parse_occurrence_key(key)
    if start is None or not schedule.is_occurrence(event, start):
        raise errors.NotFound(_l("The event does not take place on that date."))
    return schedule.Occurrence(event, start, start + schedule.duration(event))


def _render_date(occ: schedule.Occurrence, status: int = 200, error: dict | None = None, form: dict | None = None):
    session = get_session()
    event = occ.event
    others = [o for o in calendar.upcoming_dates(session, event, limit=6) if o.start != occ.start][:5]
    return render_template(
        "events/event.html", occ=occ, event=event, seats=calendar.seats_left(session, [occ])[(event.id, occ.key)],
        others=others, past=occ.end <= schedule.now(), error=error, form=form or {},
        cover_url=calendar.cover_url(event), today=schedule.local(schedule.now()).date(),
        max_per_phone=registration.MAX_PER_PHONE, share=sharing.date_card(occ),
    ), status


@bp.get("/events/<int:event_id>/poster.png")
def event_poster(event_id: int):
    """The event's square poster for Instagram (next date, QR of its label URL);
    also the date pages' share image when the event has no cover."""
    session = get_session()
    event = calendar.get_event(session, event_id)
    return sharing.poster_png(session, event)


@bp.get("/events/<int:event_id>/<key>")
def event_date(event_id: int, key: str):
    return _render_date(_occurrence(get_session(), event_id, key))


@bp.post("/events/<int:event_id>/<key>/register")
def register(event_id: int, key: str):
    session = get_session()
    occ = _occurrence(session, event_id, key)
    form = request.form
    try:
        card = (form.get("card_number") or "").strip() or None
        if card:
            card = registration.check_card(session, card, form.get("pin"))
        made = registration.register(session, occ.event, occ.start, card_number=card, name=form.get("name"),
                                     phone=form.get("phone"), channel="phone")
    except registration.AlreadyRegistered as exc:  # the same person again: their registration, saying so
        return redirect(url_for(".registration_page", token=exc.details["token"], again=1), 303)
    except errors.PindaiError as exc:
        session.rollback()
        shown = {k: v for k, v in form.items() if k != "pin"}
        return _render_date(_occurrence(session, event_id, key), exc.status, exc.to_dict(), shown)
    return redirect(url_for(".registration_page", token=made.token), 303)


@bp.get("/registrations/<token>")
def registration_page(token: str):
    session = get_session()
    made = registration.by_token(session, token)
    body = calendar.registration_dict(session, made)
    response = Response(render_template("events/registration.html", reg=body, made=made,
                                        again=request.args.get("again") == "1",
                                        cancelled=request.args.get("cancelled") == "1",
                                        max_per_phone=registration.MAX_PER_PHONE))
    response.headers["Cache-Control"] = "no-store"
    # The token is the key to cancel: never sent to another site. "same-origin", not
    # "no-referrer": under no-referrer browsers send "Origin: null" with the page's own
    # form posts, and the cancel question's "yes" was refused as coming from another site.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.route("/registrations/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """Cancelling asks first: the registration page's button opens this page,
    which names who and what is cancelled; only its "yes" (``confirm=yes``)
    cancels. A seat given up by a slip of the thumb goes to the next person
    waiting at once, and cannot be taken back."""
    session = get_session()
    if request.method == "POST" and request.form.get("confirm") == "yes":
        registration.cancel(session, token)
        return redirect(url_for(".registration_page", token=token, cancelled=1), 303)
    made = registration.by_token(session, token)
    body = calendar.registration_dict(session, made)
    if made.status == "cancelled":
        return redirect(url_for(".registration_page", token=token), 303)
    response = Response(render_template("events/cancel.html", reg=body, made=made))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _ics(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    session = get_session()
    event = calendar.get_event(session, event_id)
    url = url_for(".event_page", event_id=event.id, _external=True)
    base = current_app.config["PUBLIC_BASE_URL"]
    return _ics(ical.calendar([(event, url)], base, event.title, current_language()), f"acara-{event.id}.ics")


@bp.get("/events/<int:event_id>/<key>.ics")
def date_ics(event_id: int, key: str):
    occ = _occurrence(get_session(), event_id, key)
    url = url_for(".event_date", event_id=event_id, key=key, _external=True)
    base = current_app.config["PUBLIC_BASE_URL"]
    return _ics(ical.calendar([(occ.event, url)], base, occ.event.title, current_language(), only=occ.start),
                f"acara-{event_id}-{key}.ics")


@bp.get("/events/calendar.ics", defaults={"category": None})
@bp.get("/events/calendar/<category>.ics")
def feed(category: str | None):
    """The subscribable feed of every published event (or one category)."""
    if category is not None and category not in CATEGORIES:
        abort(404)
    from sqlalchemy import select

    query = select(Event).where(Event.status.in_(("published", "cancelled"))).order_by(Event.starts_at)
    if category:
        query = query.where(Event.category == category)
    events = get_session().scalars(query).all()
    pairs = [(event, url_for(".event_page", event_id=event.id, _external=True)) for event in events]
    name = gettext("Batam City Public Library") + " · " + (label("category", category) if category else gettext("Events"))
    body = ical.calendar(pairs, current_app.config["PUBLIC_BASE_URL"], name, current_language())
    return _ics(body, f"acara-{category or 'semua'}.ics")


@bp.route("/school-visits", methods=["GET", "POST"])
def school_visit_form():
    if request.method == "GET":
        return render_template("events/visit_form.html", form={}, error=None)
    form = request.form
    session = get_session()
    try:
        visit = visits.request_visit(
            session, school=form.get("school", ""), teacher_name=form.get("teacher_name", ""),
            phone=form.get("phone", ""), email=form.get("email"), grade=form.get("grade"),
            class_size=form.get("class_size", ""), preferred_dates=form.getlist("preferred_date"),
            message=form.get("message"))
        session.flush()  # what the columns refuse (inputs), shown on the form with what was typed
    except errors.PindaiError as exc:
        return render_template("events/visit_form.html", form=form, error=exc.to_dict()), exc.status
    session.commit()
    return redirect(url_for(".school_visit_status", token=visit.token), 303)


@bp.get("/school-visits/<token>")
def school_visit_status(token: str):
    visit = visits.by_token(get_session(), token)
    response = Response(render_template("events/visit_status.html", visit=visit,
                                        when=schedule.local(visit.scheduled_at) if visit.scheduled_at else None))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/survey", methods=["GET", "POST"])
def survey():
    """The phone survey: five faces and a short comment."""
    if request.method == "GET":
        return render_template("events/survey.html", done=False, error=None)
    session = get_session()
    try:
        feedback.record(session, request.form.get("rating"), request.form.get("comment"), "phone",
                        language=current_language())
        session.flush()
    except errors.PindaiError as exc:
        return render_template("events/survey.html", done=False, error=exc.to_dict()), exc.status
    session.commit()
    return render_template("events/survey.html", done=True, error=None)


def account_section(session, card: str) -> tuple[str, dict]:
    """The member's registrations still ahead (confirmed or waiting), for their account page."""
    rows = session.scalars(select(Registration).join(EventOccurrence, EventOccurrence.id == Registration.occurrence_id)
                           .where(Registration.card_number == card,
                                  Registration.status.in_(("confirmed", "waitlisted")),
                                  EventOccurrence.starts_at >= schedule.now())
                           .order_by(EventOccurrence.starts_at)).all()
    return "events/_account.html", {"registrations": [calendar.registration_dict(session, row) for row in rows]}



def book_section(session, book) -> tuple[str, dict] | None:
    """The next event about this book (it lists the book or one of its subjects),
    for the book page phones open; nothing when none is ahead."""
    found = calendar.related_to_book(session, book, limit=1)
    if not found:
        return None
    occ = found[0]
    seats = calendar.seats_left(session, found).get((occ.event.id, occ.key))
    return "events/_book_event.html", {"occ": occ, "seats": seats}
