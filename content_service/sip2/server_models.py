"""The SIP2 server's own table: one login per self-check machine or RFID gate.

Only a salted hash of each machine's password is stored (werkzeug's scrypt),
as for staff accounts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..clock import utcnow

# Encodings a machine may speak (SIP2 itself is ASCII; many machines send
# UTF-8 or a DOS/Windows code page for titles with accents).
ENCODINGS = ("utf-8", "ascii", "latin-1", "cp850", "cp1252")


class Sip2Account(Base):
    """A self-check machine's SIP2 login (93 message: CN user id, CO password)."""

    __tablename__ = "sip2_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # AO in every answer: the institution id the machine is configured with.
    institution: Mapped[str] = mapped_column(String(32))
    # Where the machine stands, for staff ("Lobi lantai 1"); not sent to it.
    location: Mapped[str | None] = mapped_column(String(200))
    encoding: Mapped[str] = mapped_column(String(20), default="utf-8")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_address: Mapped[str | None] = mapped_column(String(64))
