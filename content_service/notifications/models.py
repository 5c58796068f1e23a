"""Notification tables: the outbox (one row per message), the staff's
templates and switches per kind, and each member's channel and opt-out."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db import Base

STATUSES = ("queued", "sending", "sent", "failed", "cancelled", "manual")
CHANNELS = ("email", "whatsapp", "sms")
LANGUAGES = ("id", "en")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Notification(Base):
    """One message in the outbox. Written in the transaction of the change it
    tells of (``dedupe_key`` unique: the same happening never queues twice);
    the worker claims it (``sending``, a lease), prepares it (recipient,
    channel, subject and bodies filled in), sends it and marks it ``sent``, or
    puts it back ``queued`` for ``next_attempt_at``, or ``failed`` with the
    reason after the last attempt. ``manual``: a WhatsApp message waiting for
    staff to send it through its ``wa.me`` link (no Cloud API token);
    ``cancelled``: no longer wanted (the kind switched off, the member opted
    out, the hold already collected)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # ids and values the message is made from
    status: Mapped[str] = mapped_column(String(12), default="queued")
    language: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(10))
    recipient: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    leased_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_id: Mapped[str | None] = mapped_column(String(200))  # the Message-ID, the WhatsApp message id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="notification_status"),
        CheckConstraint(f"channel IS NULL OR {_in('channel', CHANNELS)}", name="notification_channel"),
        CheckConstraint("attempts >= 0", name="notification_attempts"),
        # What the worker asks for: due rows by status and time.
        Index("ix_notification_due", "status", "next_attempt_at"),
        Index("ix_notification_created", "created_at"),
    )


class NotificationKind(Base):
    """A kind of message staff switched off (no row: on)."""

    __tablename__ = "notification_kind"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationTemplate(Base):
    """Staff's own wording of one kind in one language (no row: the built-in one)."""

    __tablename__ = "notification_template"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint(_in("language", LANGUAGES), name="notification_template_language"),)


class NotificationPreference(Base):
    """How one person wants to hear from the library: a member (``patron_id``)
    or someone who registered for an event with a phone number only
    (``phone``). ``token`` is the key of the link in every message that opens
    their choices without a login."""

    __tablename__ = "notification_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    patron_id: Mapped[int | None] = mapped_column(ForeignKey("patron.id", ondelete="CASCADE"), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str | None] = mapped_column(String(10))  # None: email when there is one, else WhatsApp
    language: Mapped[str] = mapped_column(String(8), default="id")
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint(f"channel IS NULL OR {_in('channel', CHANNELS)}", name="notification_preference_channel"),
        CheckConstraint(_in("language", LANGUAGES), name="notification_preference_language"),
        CheckConstraint("patron_id IS NOT NULL OR phone IS NOT NULL", name="notification_preference_who"),
    )
