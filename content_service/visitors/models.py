"""The visitor book's table: one row per signing at a kiosk ("buku tamu")."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db import Base
from ..libraries.models import DEFAULT_LIBRARY

# What a visitor is, as Indonesian visitor books ask it (for the IPLM figures).
GROUPS = ("pelajar", "mahasiswa", "guru", "umum")
KINDS = ("member", "guest")


class Visit(Base):
    """A visitor signing the book at a kiosk: a member by their card, or a
    guest by name and institution. Every signing is kept; one by the same
    person at the same library within ``REPEAT_MINUTES`` of their last is
    marked ``is_repeat`` and the counts leave it out. ``person`` is a keyed
    hash (the card, or the name and institution as typed, normalised), never
    the card number itself."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    library_id: Mapped[int] = mapped_column(ForeignKey("library.id", ondelete="RESTRICT"), default=DEFAULT_LIBRARY)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    person: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(100))
    institution: Mapped[str | None] = mapped_column(String(150))
    group: Mapped[str | None] = mapped_column("visitor_group", String(12))
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        CheckConstraint("kind IN ('member', 'guest')", name="visit_kind"),
        CheckConstraint("visitor_group IS NULL OR visitor_group IN ('pelajar', 'mahasiswa', 'guru', 'umum')",
                        name="visit_group"),
        Index("ix_visit_library_at", "library_id", "at"),
        Index("ix_visit_person_at", "person", "at"),
    )
