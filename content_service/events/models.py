"""The events tables: programmes (with their recurrence), the dates people
register for, registrations with their seat or waitlist place, teachers'
school-visit requests, and visitors' feedback."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..catalogue.models import Book
from ..clock import utcnow
from ..libraries.models import DEFAULT_LIBRARY, Library

CATEGORIES = ("storytelling", "class", "discussion", "exhibition", "school_visit", "other")
AUDIENCES = ("children", "teens", "adults", "all")
EVENT_STATUSES = ("published", "draft", "cancelled")
REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")
CHANNELS = ("kiosk", "phone", "staff")
VISIT_STATUSES = ("pending", "accepted", "declined")
FEEDBACK_CONTEXTS = ("kiosk_book", "kiosk_checkout", "phone", "event")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Event(Base):
    """A programme: one date, or a series described by an RFC 5545 RRULE in
    Asia/Jakarta time (``starts_at`` is the first occurrence, in UTC)."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(String(500))
    summary_en: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20), default="other")
    audience: Mapped[str] = mapped_column(String(20), default="all")
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    # The library that holds the programme; ``location`` is the room or place.
    library_id: Mapped[int] = mapped_column(ForeignKey("library.id", ondelete="RESTRICT"), index=True,
                                            default=DEFAULT_LIBRARY)
    location: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # RFC 5545 RRULE value without the "RRULE:" prefix, e.g. FREQ=WEEKLY;BYDAY=SA.
    rrule: Mapped[str | None] = mapped_column(String(500))
    # Cancelled dates of a series: UTC start times, ISO 8601 (iCal EXDATE).
    cancelled_dates: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    registration_required: Mapped[bool] = mapped_column(default=False)
    cover_url: Mapped[str | None] = mapped_column(String(1000))
    related_subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="published")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    books: Mapped[list[Book]] = relationship(secondary="event_book", order_by="Book.title")
    library: Mapped[Library] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="event_category"),
        CheckConstraint(_in("audience", AUDIENCES), name="event_audience"),
        CheckConstraint(_in("status", EVENT_STATUSES), name="event_status"),
        CheckConstraint("ends_at > starts_at", name="event_ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="event_capacity_positive"),
        CheckConstraint(
            "age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name="event_age_range"
        ),
    )


class EventBook(Base):
    """A book related to an event (shown as "Acara terkait" on its screen)."""

    __tablename__ = "event_book"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), primary_key=True, index=True)


class EventOccurrence(Base):
    """One date of an event that someone registered for. Made on the first
    registration; its row is what concurrent registrations lock."""

    __tablename__ = "event_occurrence"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lock_version: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship()

    __table_args__ = (UniqueConstraint("event_id", "starts_at", name="uq_event_occurrence_start"),)


class Registration(Base):
    """A person's place at one date of an event: a numbered seat when
    confirmed, a place in the queue (by ``created_at``) when waitlisted.

    Seats are numbered 1..capacity and unique per date, so the database
    itself never holds more confirmed registrations than there are seats."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("event_occurrence.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    seat: Mapped[int | None] = mapped_column(Integer)
    # Who, normalised: "card:<card number>" or "phone:<digits>:<name key>"; one active
    # registration per person and date.
    identity: Mapped[str] = mapped_column(String(80))
    card_number: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the cancel link
    channel: Mapped[str] = mapped_column(String(10), default="phone")
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    occurrence: Mapped[EventOccurrence] = relationship()

    __table_args__ = (
        CheckConstraint(_in("status", REGISTRATION_STATUSES), name="registration_status"),
        CheckConstraint(_in("channel", CHANNELS), name="registration_channel"),
        CheckConstraint(
            "(status = 'confirmed' AND seat IS NOT NULL AND seat >= 1) OR (status <> 'confirmed' AND seat IS NULL)",
            name="registration_seat_when_confirmed",
        ),
        UniqueConstraint("occurrence_id", "seat", name="uq_registration_seat"),
        Index(
            "uq_registration_person",
            "occurrence_id",
            "identity",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
    )


class SchoolVisit(Base):
    """A teacher's request to bring a class; staff accept (with a date) or decline."""

    __tablename__ = "school_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    school: Mapped[str] = mapped_column(String(200))
    teacher_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    grade: Mapped[str | None] = mapped_column(String(50))
    class_size: Mapped[int] = mapped_column(Integer)
    preferred_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates, in order of preference
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    staff_note: Mapped[str | None] = mapped_column(Text)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the teacher's status link
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(_in("status", VISIT_STATUSES), name="school_visit_status"),
        CheckConstraint("class_size BETWEEN 1 AND 200", name="school_visit_class_size"),
        CheckConstraint("status <> 'accepted' OR scheduled_at IS NOT NULL", name="school_visit_accepted_has_date"),
    )


class Feedback(Base):
    """One survey answer: five faces (1-5) and an optional short comment."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500))
    context: Mapped[str] = mapped_column(String(20))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    book_id: Mapped[int | None] = mapped_column(ForeignKey("book.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="feedback_rating"),
        CheckConstraint(_in("context", FEEDBACK_CONTEXTS), name="feedback_context"),
    )
