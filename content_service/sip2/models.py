"""The store-and-forward queue of checkouts made while the SIP2 server was away.

``OfflineCheckout``: one kiosk checkout, kept with its original transaction time,
replayed in order (``offline.replay``) as a no-block checkout (SIP2's no-block flag
Y) once the server answers again. States: ``queued`` -> ``replaying`` (claimed by one
worker) -> ``done`` (the library system has the loan) or ``failed`` (it refused even
a no-block checkout; staff must settle it at the desk, the page shows why).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..clock import utcnow

STATES = ("queued", "replaying", "done", "failed")


class OfflineCheckout(Base):
    __tablename__ = "sip2_offline_checkout"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(64))
    barcode: Mapped[str] = mapped_column(String(64))
    kiosk_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(500))
    transaction_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when the member borrowed
    state: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_text: Mapped[str | None] = mapped_column(String(64))  # AH as the server wrote it
    error: Mapped[str | None] = mapped_column(Text)  # why it failed (the server's AF)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint("state IN ('queued', 'replaying', 'done', 'failed')",
                        name="sip2_offline_checkout_state"),
        Index("ix_sip2_offline_checkout_state", "state", "id"),
    )
