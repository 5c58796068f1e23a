"""``flask events ...``: staff's tools for programmes until the staff portal
has event forms: create and edit events, cancel a date, see who registered
and who came, decide school visits, read the survey."""
from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import codes, errors
from ..db import get_session
from . import calendar, feedback, registration, samples, schedule, visits
from .models import AUDIENCES, CATEGORIES

events = click.Group("events", help="Events and programmes: create, edit, registrations, school visits, survey.")


def _fields(options: dict) -> dict:
    """Event fields from the command's options (only those given)."""
    fields = {}
    for name in ("title", "title_en", "summary", "summary_en", "description", "description_en", "category",
                 "audience", "location", "rrule", "cover_url", "status"):
        if options.get(name) is not None:
            fields[name] = options[name]
    if options.get("start"):
        fields["starts_at"] = schedule.parse_local(options["start"])
    if options.get("end"):
        fields["ends_at"] = schedule.parse_local(options["end"])
    if options.get("capacity") is not None:
        fields["capacity"] = options["capacity"] or None  # 0: no limit
    if options.get("registration") is not None:
        fields["registration_required"] = options["registration"]
    if options.get("ages"):
        low, _, high = options["ages"].partition("-")
        try:
            fields["age_min"], fields["age_max"] = int(low), int(high) if high else None
        except ValueError:
            raise click.BadParameter("use e.g. 4-8 or 13", param_hint="--ages") from None
    if options.get("subject"):
        fields["related_subjects"] = list(options["subject"])
    return fields


def _event_options(command):
    options: list[tuple[str, dict[str, Any]]] = [
        ("--title", {}), ("--title-en", {}), ("--summary", {}), ("--summary-en", {}),
        ("--description", {}), ("--description-en", {}),
        ("--category", {"type": click.Choice(CATEGORIES)}), ("--audience", {"type": click.Choice(AUDIENCES)}),
        ("--ages", {"help": "Age range of a children's event, e.g. 4-8."}),
        ("--location", {}),
        ("--start", {"help": "First start, Jakarta time unless an offset is given: 2026-12-05T09:00."}),
        ("--end", {"help": "End of the first date, e.g. 2026-12-05T10:30."}),
        ("--rrule", {"help": "RFC 5545 recurrence, e.g. FREQ=WEEKLY;BYDAY=SA."}),
        ("--capacity", {"type": click.IntRange(min=0), "help": "Seats per date (0: no limit)."}),
        ("--registration/--no-registration", {"default": None, "help": "Whether people must register."}),
        ("--cover-url", {}),
        ("--status", {"type": click.Choice(("published", "draft", "cancelled"))}),
        ("--book", {"type": int, "multiple": True, "help": "A related book id (repeatable)."}),
        ("--subject", {"multiple": True, "help": "A related subject (repeatable)."}),
    ]
    for decl, kwargs in reversed(options):
        command = click.option(decl, **kwargs)(command)
    return command


def _save(event, options) -> None:
    session = get_session()
    try:
        saved = calendar.save_event(session, event, book_ids=list(options["book"]) or None, **_fields(options))
        session.commit()
    except errors.PindaiError as exc:
        session.rollback()
        raise click.ClickException(exc.message_en) from None
    promoted = registration.capacity_changed(session, saved) if event is not None else 0
    code = codes.ensure_code(session, "event", saved.id)
    session.commit()
    nxt = schedule.next_occurrence(saved)
    click.echo(f"Event {saved.id}: {saved.title}")
    click.echo(f"  next date: {schedule.local(nxt.start).isoformat() if nxt else '(none ahead)'}")
    click.echo(f"  poster QR: {codes.label_url(current_app.config['PUBLIC_BASE_URL'], code.code)}")
    if promoted:
        click.echo(f"  {promoted} people moved from the waiting list to a seat")


@events.command("create")
@_event_options
@with_appcontext
def create_command(**options) -> None:
    """Create an event; prints its id and the URL for its poster's QR code."""
    missing = [name for name in ("title", "start", "end") if not options.get(name)]
    if missing:
        raise click.UsageError(f"missing --{', --'.join(missing)}")
    _save(None, options)


@events.command("edit")
@click.argument("event_id", type=int)
@_event_options
@with_appcontext
def edit_command(event_id: int, **options) -> None:
    """Change an event (only the options given)."""
    _save(_event(event_id), options)


def _event(event_id: int):
    try:
        return calendar.get_event(get_session(), event_id, public=False)
    except errors.NotFound as exc:
        raise click.ClickException(exc.message_en) from None


@events.command("cancel-date")
@click.argument("event_id", type=int)
@click.argument("start")
@with_appcontext
def cancel_date_command(event_id: int, start: str) -> None:
    """Cancel one date of a recurring event (START in Jakarta time, e.g. 2026-12-19T09:00)."""
    event = _event(event_id)
    try:
        schedule.cancel_date(event, schedule.parse_local(start))
    except errors.PindaiError as exc:
        raise click.ClickException(exc.message_en) from None
    get_session().commit()
    click.echo(f"Cancelled {start} of {event.title}.")


@events.command("list")
@click.option("--days", type=int, default=30, show_default=True)
@with_appcontext
def list_command(days: int) -> None:
    """The coming dates with seats left."""
    session = get_session()
    found = calendar.upcoming(session, days=days)
    seats = calendar.seats_left(session, found)
    for occ in found:
        left = seats[(occ.event.id, occ.key)]
        click.echo(f"{schedule.local(occ.start):%Y-%m-%d %H:%M} WIB  #{occ.event.id:<4} {occ.event.title}"
                   f"  [{occ.key}]" + (f"  seats left: {left}" if left is not None else ""))


@events.command("registrations")
@click.argument("event_id", type=int)
@click.option("--date", "key", help="Date key (from `events list`); default: the next date.")
@with_appcontext
def registrations_command(event_id: int, key: str | None) -> None:
    """Who registered for a date: seats, then the waiting list."""
    session = get_session()
    event = _event(event_id)
    if key:
        start = schedule.parse_occurrence_key(key)
        if start is None:
            raise click.ClickException("--date must look like 20261205T020000Z")
    else:
        upcoming = schedule.next_occurrence(event)
        start = upcoming.start if upcoming else schedule.as_utc(event.starts_at)
    rows = registration.for_date(session, event, start)
    click.echo(f"{event.title}, {schedule.local(start):%Y-%m-%d %H:%M} WIB: "
               f"{sum(r.status == 'confirmed' for r in rows)} confirmed, {sum(r.status == 'waitlisted' for r in rows)} waiting")
    for r in rows:
        who = r.card_number or f"{r.name} ({r.phone})"
        came = " attended" if r.attended_at else ""
        click.echo(f"  {r.status:<10} seat {r.seat or '-':<3} {who}  via {r.channel}{came}  token {r.token}")


# Tokens made before `tokens.url_token` may start with "-": take them as the
# argument, not as an unknown option.
@events.command("attended", context_settings={"ignore_unknown_options": True})
@click.argument("token")
@with_appcontext
def attended_command(token: str) -> None:
    """Mark a registration (by its token) as attended."""
    session = get_session()
    try:
        made = registration.by_token(session, token)
        registration.mark_attended(session, made)
    except errors.PindaiError as exc:
        raise click.ClickException(exc.message_en) from None
    session.commit()
    click.echo("Marked as attended.")


@events.command("visits")
@click.option("--all", "show_all", is_flag=True, help="Decided requests too.")
@with_appcontext
def visits_command(show_all: bool) -> None:
    """Teachers' school-visit requests (pending ones by default)."""
    session = get_session()
    for v in (visits.all_visits(session) if show_all else visits.pending(session)):
        when = f" on {schedule.local(v.scheduled_at):%Y-%m-%d %H:%M} WIB" if v.scheduled_at else ""
        click.echo(f"#{v.id} {v.status}{when}: {v.school}, {v.grade or '-'}, {v.class_size} pupils, "
                   f"{v.teacher_name} {v.phone}; prefers {', '.join(v.preferred_dates)}")


@events.command("visit-accept")
@click.argument("visit_id", type=int)
@click.option("--at", "at", required=True, help="Date and time, Jakarta time: 2026-12-10T09:00.")
@click.option("--note")
@with_appcontext
def visit_accept_command(visit_id: int, at: str, note: str | None) -> None:
    """Accept a school visit for a date and time."""
    _decide(visit_id, lambda session, visit: visits.accept(session, visit, schedule.parse_local(at), note))


@events.command("visit-decline")
@click.argument("visit_id", type=int)
@click.option("--note")
@with_appcontext
def visit_decline_command(visit_id: int, note: str | None) -> None:
    """Decline a school visit, with a note for the teacher."""
    _decide(visit_id, lambda session, visit: visits.decline(session, visit, note))


def _decide(visit_id: int, decide) -> None:
    session = get_session()
    try:
        visit = decide(session, visits.get_visit(session, visit_id))
    except errors.PindaiError as exc:
        raise click.ClickException(exc.message_en) from None
    session.commit()
    click.echo(f"Visit #{visit.id} {visit.status}.")


@events.command("feedback")
@click.option("--days", type=int, default=90, show_default=True)
@with_appcontext
def feedback_command(days: int) -> None:
    """Survey results per week, and the latest comments."""
    result = feedback.summary(get_session(), days=days)
    click.echo(f"{result['count']} answers in {days} days, average {result['average'] or '-'} of 5")
    for week in result["weeks"]:
        click.echo(f"  week of {week['week']}: {week['count']:>4} answers, average {week['average']:.2f}  "
                   f"faces 1-5: {week['ratings']}")
    for comment in result["comments"]:
        click.echo(f"  [{comment['at'][:16]}] {comment['rating']}/5 {comment['context']}: {comment['comment']}")


@events.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Add sample programmes (storytelling, classes, discussions, a school visit day, an exhibition)
    starting this week; idempotent."""
    from sqlalchemy import select

    from .models import Event

    session = get_session()
    counts = samples.seed_programmes(session)
    base = current_app.config["PUBLIC_BASE_URL"]
    titles = [sample["title"] for sample in samples.PROGRAMMES]
    for event in session.scalars(select(Event).where(Event.title.in_(titles)).order_by(Event.starts_at)):
        click.echo(f"{event.title}: {codes.label_url(base, codes.ensure_code(session, 'event', event.id).code)}")
    session.commit()
    click.echo(f"{counts['added']} sample programmes added ({counts['updated']} were there already, updated).")
