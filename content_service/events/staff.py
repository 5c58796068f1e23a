"""Staff pages for programmes (``/staff/events``), in the staff portal's
look and behind its login: create and edit events, cancel a date, see who
registered and tick who came, decide school visits, read the survey.

The staff portal guards only its own blueprint, so this one has a guard of
its own built from the portal's parts: log in first; librarians and admins
change things, every role may look; CSRF on every form; changes audited."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from .. import codes, errors, media
from ..args import MAX_ID, int_arg
from ..codes.qr import qr_svg
from ..db import get_session
from ..inputs import free_text
from ..media import checks as uploads
from ..media import references
from ..libraries import all_libraries, get_library
from ..staff import access, scope
from . import calendar, covers, feedback, recurrence, registration, related, schedule, sharing, visits
from .models import AUDIENCES, CATEGORIES, EVENT_STATUSES, Event, EventOccurrence, Registration

bp = Blueprint("events_staff", __name__, url_prefix="/staff/events")


access.guard(bp, "analytics", write="catalogue")  # names and phone numbers


@bp.get("")
def index():
    session = get_session()
    events = session.scalars(select(Event).order_by(Event.starts_at)).all()
    rows = []
    nexts = {event.id: calendar.upcoming_dates(session, event, limit=1) for event in events}
    # Soonest first: what staff prepare for next; events with no date ahead after, latest first.
    ahead = sorted((e for e in events if nexts[e.id]), key=lambda e: nexts[e.id][0].start)
    past = sorted((e for e in events if not nexts[e.id]), key=lambda e: e.starts_at, reverse=True)
    for event in ahead + past:
        nxt = nexts[event.id]
        seats = calendar.seats_left(session, nxt) if nxt else {}
        rows.append({"event": event, "next": nxt[0] if nxt else None,
                     "seats": seats.get((event.id, nxt[0].key)) if nxt else None,
                     "code": codes.active_code_for(session, "event", event.id)})
    return render_template("events/staff/index.html", rows=rows, pending=len(visits.pending(session)),
                           saved=_saved_note(session, request.args.get("saved", "")))


def _saved_note(session, value: str) -> dict | None:
    """What the redirect after a save says (``saved=<event id>:<people promoted>``):
    the event's poster code as the database has it, never text from the URL."""
    match = re.fullmatch(r"(\d{1,10}):(\d{1,6})", value)
    code = codes.active_code_for(session, "event", int(match[1])) if match and int(match[1]) <= MAX_ID else None
    return {"code": code.code, "promoted": int(match[2])} if match and code else None


def _form_fields(form, event: Event | None) -> tuple[dict, list[int]]:
    """Event fields from the form and the related books' ids; bad numbers,
    times, repetitions and book ids are a clear BadRequest. The recurrence
    comes from its fieldset (``recurrence``): an event's custom rule is kept
    unless another repetition is chosen. The cover is ``covers.from_form``'s."""
    def number(name):
        raw = (form.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise errors.BadRequest(_l("'%(name)s' must be a whole number.", name=name))
        return int(raw)

    fields = {name: form.get(name, "") for name in (
        "title", "title_en", "summary", "summary_en", "description", "description_en", "category", "audience",
        "location", "status")}
    fields.update(age_min=number("age_min"), age_max=number("age_max"), capacity=number("capacity"),
                  registration_required=form.get("registration_required") == "on",
                  related_subjects=[s for s in (form.get("related_subjects") or "").split(",")])
    for name, key in (("starts_at", "start"), ("ends_at", "end")):
        fields[name] = schedule.parse_local(form.get(key) or "") if form.get(key) else None
    if fields["starts_at"] is not None:  # without one, save_event says an event needs a start
        fields["rrule"] = recurrence.rule_from_form(form, fields["starts_at"], event.rrule if event else None)
    library = _library_from_form(form)
    if library is not None:
        fields["library_id"] = library
    return fields, related.ids_from_form(form)


def _library_from_form(form) -> int | None:
    """The library holding the programme: an account limited to one library holds its own;
    network staff choose (``library``: a code; none chosen: the event's, or the default)."""
    own = scope.staff_library()
    if own is not None:
        return own
    code = (form.get("library") or "").strip()
    return get_library(get_session(), code).id if code else None


def _custom_rule(event: Event | None) -> str | None:
    """The event's rule when the recurrence fieldset cannot show it (it is kept as it is)."""
    if event is None or not event.rrule or recurrence.form_values(event.rrule, event.starts_at) is not None:
        return None
    return event.rrule


def _form_page(event: Event | None, form, error: dict | errors.PindaiError | None = None, status: int = 200, *,
               matches: list[dict] | None = None):
    """The event form; ``form`` is what it shows (a refused post: as typed, ticked
    days and chosen books too); ``matches``: the no-script book search's, to tick."""
    if hasattr(form, "getlist"):
        form = {**form.to_dict(), "repeat_days": form.getlist("repeat_days"), "book_id": form.getlist("book_id")}
    session = get_session()
    try:
        book_ids = related.ids_from_form(form)
    except errors.BadRequest:  # said by the error shown; the ids among it are still shown
        book_ids = [int(part) for part in form.get("book_id") or [] if part.isdigit() and int(part) <= MAX_ID]
    return render_template("events/staff/form.html", event=event, form=form, error=error, categories=CATEGORIES,
                           audiences=AUDIENCES, statuses=EVENT_STATUSES, custom_rule=_custom_rule(event),
                           weekdays=recurrence.day_names(), ordinals=recurrence.ORDINALS,
                           max_interval=recurrence.MAX_INTERVAL, max_count=recurrence.MAX_COUNT,
                           chosen=related.chosen(session, book_ids), matches=matches,
                           libraries=all_libraries(session) if scope.staff_library() is None else [],
                           cover=covers.shown(event.cover_url if event else None, form.get("cover_held")),
                           cover_limit=uploads.human_size(covers.limit())), status


def _form_values(event: Event) -> dict:
    local = lambda moment: schedule.local(moment).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    values = {name: getattr(event, name) or "" for name in (
        "title", "title_en", "summary", "summary_en", "description", "description_en", "category", "audience",
        "location", "status", "age_min", "age_max", "capacity")}
    values["library"] = event.library.code
    values.update(recurrence.form_values(event.rrule, event.starts_at)
                  or {**recurrence.defaults(event.starts_at), "repeat": "custom"})
    values.update(start=local(event.starts_at), end=local(event.ends_at),
                  registration_required="on" if event.registration_required else "",
                  related_subjects=", ".join(event.related_subjects or []),
                  book_id=[str(book.id) for book in event.books])
    return values


def _new_values() -> dict:
    return {"category": "storytelling", "audience": "all", "status": "published", **recurrence.defaults(None)}


@bp.route("/new", methods=["GET", "POST"])
def create():
    if request.method == "GET":
        return _form_page(None, _new_values())
    return _save(None)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):
    event = calendar.get_event(get_session(), event_id, public=False)
    if request.method == "GET":
        return _form_page(event, _form_values(event))
    return _save(event)


def _save(event: Event | None):
    """Save the form, or show it again with what was wrong and all that was
    typed: an uploaded cover is stored first, so a refusal of another field
    (or the no-script book search, "Cari buku") keeps it."""
    session = get_session()
    before = event.cover_url if event else None
    shown = request.form.copy()
    try:
        cover = covers.from_form(request.form, request.files, before)
        if cover and cover != before:
            shown["cover_held"] = covers.hold(cover)
        if "find_books" in request.form:  # nothing is saved: the search's matches, to tick
            return _form_page(event, shown, matches=related.matches(session, request.form.get("book_q", ""),
                                                                    related.ids_from_form(request.form)))
        fields, book_ids = _form_fields(request.form, event)
        saved = calendar.save_event(session, event, book_ids=book_ids, cover_url=cover, **fields)
        codes.ensure_code(session, "event", saved.id)  # the poster code the saved note shows
        access.audit(session, "event.edit" if event else "event.create", "event", saved.id, title=saved.title)
        session.commit()
    except errors.PindaiError as exc:
        session.rollback()
        body = exc.to_dict()
        error = {"code": exc.code, "message_en": body["message"], "message_id": body["message_id"]}
        return _form_page(event, shown, error, exc.status)
    if before != cover:  # the old cover's file goes when nothing else uses it
        references.release(session, [covers.digest(before)])
    promoted = registration.capacity_changed(session, saved) if event is not None else 0
    return redirect(url_for(".index", saved=f"{saved.id}:{promoted}"), 303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge):
    """A post over MAX_CONTENT_LENGTH: the server stopped reading it, so what was
    typed is unknown; the form comes back (the event as saved) saying so."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    error = uploads.UploadTooLarge(_l("The form is too large: one post may carry at most %(value)s in all, so nothing "
                                      "on it was saved. Choose a smaller cover and fill in the changes again.",
                                      value=uploads.human_size(limit)), limit_bytes=limit)
    if request.endpoint not in ("events_staff.create", "events_staff.edit") or errors.wants_json():
        return errors.respond(413, error.to_dict())
    event_id = (request.view_args or {}).get("event_id")
    event = calendar.get_event(get_session(), event_id, public=False) if event_id else None
    return _form_page(event, _form_values(event) if event else _new_values(), error, 413)


@bp.get("/books")
@free_text("q")
def find_books():
    """Catalogue matches for the form's book search (``static/staff/event-books.js``):
    ``{"items": [{"id", "title", "authors", "year"}]}``; ``leave_out``: ids already chosen."""
    leave_out = [int(part) for part in request.args.get("leave_out", "").split(",") if part.isdigit()]
    return jsonify({"items": related.matches(get_session(), request.args.get("q", ""), leave_out)})


@bp.get("/cover/<token>")
def held_cover(token: str):
    """A cover uploaded on a refused post, shown on the form again before it is
    saved (``/media/`` serves only what an event already uses)."""
    cover = covers.held(token)
    if cover is None:
        raise errors.NotFound()
    digest, mimetype = covers.stored_file(cover)
    return media.storage().send(digest, mimetype, 0)


@bp.get("/<int:event_id>/poster")
def poster(event_id: int):
    """A printable A4 poster: title, when and where, and the QR of the event's
    label URL (``/q/<code>``), which phones and kiosks both open."""
    session = get_session()
    event = calendar.get_event(session, event_id, public=False)
    code = codes.ensure_code(session, "event", event.id)
    session.commit()
    url = codes.label_url(current_app.config["PUBLIC_BASE_URL"], code.code)
    repeats = {}
    if event.rrule:  # "Setiap Sabtu" and, under it, "Every week on Saturday": the poster speaks both
        for language in ("id", "en"):
            with force_locale(language):
                repeats[language] = recurrence.event_words(event)
    return render_template("events/staff/poster.html", event=event, url=url, code=code.code, qr_svg=qr_svg(url),
                           dates=calendar.upcoming_dates(session, event, limit=4), repeats=repeats)


@bp.get("/<int:event_id>/poster.png")
def instagram_poster(event_id: int):
    """The square 1080x1080 PNG poster for Instagram (``events.sharing``), as a
    file to save; drafts too, so it is ready before the event is published."""
    session = get_session()
    return sharing.poster_png(session, calendar.get_event(session, event_id, public=False), staff=True)


@bp.post("/<int:event_id>/cancel-date")
def cancel_date(event_id: int):
    session = get_session()
    event = calendar.get_event(session, event_id, public=False)
    start = schedule.parse_occurrence_key(request.form.get("date", ""))
    if start is None:
        raise errors.BadRequest(_l("Choose a date to cancel."))
    schedule.cancel_date(event, start)
    access.audit(session, "event.cancel_date", "event", event.id, date=start.isoformat())
    session.commit()
    return redirect(url_for(".registrations", event_id=event.id), 303)


@bp.get("/<int:event_id>/registrations")
def registrations(event_id: int):
    """Who registered for a date, who came; the dates people registered for, and the next ones."""
    session = get_session()
    event = calendar.get_event(session, event_id, public=False)
    booked = [schedule.as_utc(start) for start in session.scalars(
        select(EventOccurrence.starts_at).where(EventOccurrence.event_id == event.id).order_by(EventOccurrence.starts_at))]
    coming = [occ.start for occ in calendar.upcoming_dates(session, event, limit=6)]
    dates = sorted(set(booked) | set(coming))
    chosen = schedule.parse_occurrence_key(request.args.get("date", "")) or (coming[0] if coming else (dates[-1] if dates else None))
    rows = registration.for_date(session, event, chosen) if chosen else []
    return render_template("events/staff/registrations.html", event=event, dates=dates, chosen=chosen, rows=rows,
                           coming=coming, key=schedule.occurrence_key)


@bp.post("/registrations/<int:registration_id>/attended")
def attended(registration_id: int):
    session = get_session()
    made = session.get(Registration, registration_id)
    if made is None:
        raise registration.UnknownRegistration()
    if made.attended_at is None:
        registration.mark_attended(session, made)
    else:
        made.attended_at = None  # ticked by mistake
    access.audit(session, "event.attended", "registration", made.id, attended=made.attended_at is not None)
    session.commit()
    occurrence = session.get_one(EventOccurrence, made.occurrence_id)
    return redirect(url_for(".registrations", event_id=occurrence.event_id,
                            date=schedule.occurrence_key(occurrence.starts_at)), 303)


@bp.get("/visits")
def school_visits():
    session = get_session()
    return render_template("events/staff/visits.html", visits=visits.all_visits(session), local=schedule.local)


@bp.post("/visits/<int:visit_id>/<decision>")
def decide_visit(visit_id: int, decision: str):
    session = get_session()
    visit = visits.get_visit(session, visit_id)
    note = request.form.get("note")
    if decision == "accept":
        visits.accept(session, visit, schedule.parse_local(request.form.get("at") or ""), note)
    elif decision == "decline":
        visits.decline(session, visit, note)
    else:
        raise errors.NotFound()
    access.audit(session, f"school_visit.{decision}", "school_visit", visit.id, school=visit.school)
    session.commit()
    return redirect(url_for(".school_visits"), 303)


@bp.get("/feedback")
def feedback_report():
    """Survey results over time, with the comments."""
    from ..staff.analytics import bar_chart

    days = int_arg("days", 90, 1, 366)
    result = feedback.summary(get_session(), days=days)
    chart = bar_chart([w["week"][5:] for w in result["weeks"]], [round(w["average"] * 20) for w in result["weeks"]],
                      title="Rata-rata per minggu (x20) / Weekly average (x20)", height=160) if result["weeks"] else ""
    return render_template("events/staff/feedback.html", result=result, days=days, chart=chart)
