"""The ``code`` table: the short ids printed in QR labels and what each
points at (an item, a book, an event, a collection)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db import Base

CODE_TARGETS = ("item", "book", "event", "collection")


class Code(Base):
    """A short id printed in a QR label. Rows are never deleted, so a code is
    never reused: retiring one only stamps ``retired_at``."""

    __tablename__ = "code"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When a label sheet with this code was last made (None: never printed yet).
    printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "target_type IN ('item', 'book', 'event', 'collection')", name="code_target_type"
        ),
        Index("ix_code_target", "target_type", "target_id"),
    )

    @property
    def active(self) -> bool:
        return self.retired_at is None

