"""Circulation tables: patrons, loans, holds, loan rules, closed days, and
the kiosk's patron sessions and receipts."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..catalogue.models import Item
from ..clock import utcnow
from ..libraries.models import Library, DEFAULT_LIBRARY

PATRON_CATEGORIES = ("child", "adult", "student", "staff")


class Patron(Base):
    """A library member, known by the card number printed on their card."""

    __tablename__ = "patron"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(10), default="adult")
    expires_on: Mapped[date | None] = mapped_column(Date)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    card_lost: Mapped[bool] = mapped_column(default=False)
    # The member's home library in the network (where the card was issued).
    home_library_id: Mapped[int] = mapped_column(ForeignKey("library.id", ondelete="RESTRICT"), index=True,
                                                 default=DEFAULT_LIBRARY)
    # Set by staff ("Pinjaman ditangguhkan: ..."); any text blocks borrowing.
    staff_block: Mapped[str | None] = mapped_column(String(300))
    fines: Mapped[int] = mapped_column(Integer, default=0)  # rupiah owed
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The SLiMS member_id this patron mirrors (``flask slims sync``), if any.
    slims_member_id: Mapped[str | None] = mapped_column(String(20), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint("category IN ('child', 'adult', 'student', 'staff')", name="patron_category"),
        CheckConstraint("fines >= 0", name="patron_fines_not_negative"),
    )

    @property
    def first_name(self) -> str:
        return (self.name or "").split()[0] if (self.name or "").split() else ""


class Loan(Base):
    """One copy lent to one patron. ``returned_at`` is NULL while it is out;
    a partial unique index allows one open loan per copy, whatever races."""

    __tablename__ = "loan"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="RESTRICT"))
    patron_id: Mapped[int] = mapped_column(ForeignKey("patron.id", ondelete="RESTRICT"), index=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id", ondelete="SET NULL"))
    checked_out_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    item: Mapped[Item] = relationship()
    patron: Mapped[Patron] = relationship()

    __table_args__ = (
        Index(
            "uq_loan_open_item",
            "item_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        Index("ix_loan_item", "item_id"),
        CheckConstraint("renewals >= 0", name="loan_renewals_not_negative"),
    )


class Hold(Base):
    """A member's place in a title's queue (``book_id``), or a copy set aside.

    A hold waits (``item_id`` NULL, ``ready_at`` NULL) until a returned copy of
    the title fills it: that copy then goes to the hold shelf for this member
    (``item_id`` set, ``ready_at``, ``pickup_by``) and nobody else may borrow
    it. Staff may also set one copy aside directly (``flask hold``): the hold
    names the copy from the start. It ends (``ended_at``, ``end_reason``) when
    the member borrows the book, cancels, or does not collect it in time."""

    __tablename__ = "hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patron.id", ondelete="CASCADE"), index=True)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pickup_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # fulfilled (borrowed), cancelled, expired (not collected by pickup_by)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    # Where the member collects it (a library of the network); None: the library holding the copy.
    pickup_library_id: Mapped[int | None] = mapped_column(ForeignKey("library.id", ondelete="SET NULL"))
    # A copy sent from another library: when it reached the pickup library (the desk says so).
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    item: Mapped[Item | None] = relationship()
    patron: Mapped[Patron] = relationship()
    pickup_library: Mapped[Library | None] = relationship()

    __table_args__ = (
        CheckConstraint("end_reason IS NULL OR end_reason IN ('fulfilled', 'cancelled', 'expired')",
                        name="hold_end_reason"),
    )


class ItemLoanType(Base):
    """The circulation type of a copy (``book``, ``dvd``, ``magazine`` ...).
    Copies without a row are ``book``."""

    __tablename__ = "item_loan_type"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    item_type: Mapped[str] = mapped_column(String(20))


class LoanRule(Base):
    """Loan period, open-loan limit and renewals for a patron category and
    an item type; ``*`` matches any. Built-in defaults apply where no row does."""

    __tablename__ = "loan_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    patron_category: Mapped[str] = mapped_column(String(10))
    item_type: Mapped[str] = mapped_column(String(20))
    loan_days: Mapped[int] = mapped_column(Integer)
    max_loans: Mapped[int] = mapped_column(Integer)
    max_renewals: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("patron_category", "item_type", name="uq_loan_rule"),
        CheckConstraint("loan_days > 0 AND max_loans >= 0 AND max_renewals >= 0", name="loan_rule_positive"),
    )


class ClosedDay(Base):
    """A day the library is closed (holidays, Sundays if so decided): no
    loan falls due on it."""

    __tablename__ = "closed_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str | None] = mapped_column(String(200))


class PatronSession(Base):
    """A member logged in at a kiosk. Only the token's hash is stored. It is
    kept by card number, not patron id, so any circulation backend can use it."""

    __tablename__ = "patron_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    card_number: Mapped[str] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(String(100))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What this session borrowed or renewed, for its receipt: [{title, due}].
    receipt_lines: Mapped[list] = mapped_column(JSON, default=list)


class Receipt(Base):
    """A receipt a phone can open for ``CIRCULATION_RECEIPT_DAYS`` (titles,
    copy barcodes and due dates, nothing personal). Only the link token's hash is stored."""

    __tablename__ = "receipt"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    lines: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
