"""The ``library`` table: the libraries of the network (the city library, its
branches, the mobile library, school and university libraries). Copies,
kiosks, events, members and (optionally) staff accounts each belong to one.

One library is the default (``is_default``): what the network's rows were
before there was more than one, and where a row goes when its writer names
no library (an import, a sync, a kiosk registered without ``--library``).
``DEFAULT_LIBRARY`` is that default as a column default: a scalar subquery,
so the INSERT itself picks it, in the writer's own transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, event, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db import Base

KINDS = ("city", "branch", "mobile", "school", "university")
DEFAULT_NAME = "Perpustakaan Kota Batam"
DEFAULT_CODE = "kota"


class Library(Base):
    """One library of the network, known to visitors by ``name`` and to
    the API and the command line by its short ``code``."""

    __tablename__ = "library"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="branch")
    address: Mapped[str | None] = mapped_column(String(300))
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('city', 'branch', 'mobile', 'school', 'university')", name="library_kind"),
        CheckConstraint("code = lower(code)", name="library_code_lower"),
        # At most one default library, kept by the database.
        Index("uq_library_default", "is_default", unique=True,
              sqlite_where=text("is_default"), postgresql_where=text("is_default")),
    )


# The default library's id, evaluated inside the INSERT that needs it.
DEFAULT_LIBRARY = select(Library.id).where(Library.is_default.is_(True)).scalar_subquery()


@event.listens_for(Library.__table__, "after_create")
def _default_library(table, connection, **_kw) -> None:
    # A schema made from the models (tests, `create_all`) starts with the
    # default library, as a migrated one does (revision 0015).
    connection.execute(insert(table).values(code=DEFAULT_CODE, name=DEFAULT_NAME, kind="city",
                                            is_default=True, active=True, created_at=utcnow()))
