"""The kiosks' tables: registered kiosks (a hash of each key) and the scan
log analytics count (kiosk scans and phones opening label pages)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..db import Base
from ..libraries.models import DEFAULT_LIBRARY, Library


class Kiosk(Base):
    """A registered kiosk. Only a hash of its key is stored; the key itself is
    shown once, when the kiosk is created."""

    __tablename__ = "kiosk"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The library the kiosk stands in: its search shows this library's copies first.
    library_id: Mapped[int] = mapped_column(ForeignKey("library.id", ondelete="RESTRICT"), index=True,
                                            default=DEFAULT_LIBRARY)
    location: Mapped[str | None] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    library: Mapped[Library] = relationship(lazy="joined")


class ScanLog(Base):
    """One scan: a kiosk resolving a payload, or a phone opening a label page.
    What analytics count: every scan is kept, and one of the same code by the
    same kiosk or phone soon after another is marked ``is_repeat`` (one use,
    counted once; see ``kiosks.log_scan``)."""

    __tablename__ = "scan_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(10))  # kiosk | phone
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id", ondelete="SET NULL"), index=True)
    via: Mapped[str | None] = mapped_column(String(20))  # label_url, code, item_barcode, isbn
    code: Mapped[str | None] = mapped_column(String(16))
    book_id: Mapped[int | None] = mapped_column(ForeignKey("book.id", ondelete="SET NULL"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(30))  # "ok" or the error code
    # A phone's key for the repeat window: a keyed hash of its address and browser
    # that changes every day (never the address itself); None for kiosks.
    client: Mapped[str | None] = mapped_column(String(16))
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        CheckConstraint("channel IN ('kiosk', 'phone')", name="scan_log_channel"),
        Index("ix_scan_log_code_at", "code", "at"),  # the repeat window's look-up
    )
