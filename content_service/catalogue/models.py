"""The catalogue's tables: books (titles), their ISBNs, items (physical
copies), the media assets staff attach to books, and the catalogue version
(``versioning``). QR codes live in ``codes.models``, kiosks and the scan log
in ``kiosks.models``."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Float,
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

from ..clock import utcnow
from ..db import Base
from ..libraries.models import DEFAULT_LIBRARY, Library


class Book(Base):
    """A title-level record: what the catalogue describes once for all copies."""

    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The library system's record id (MARC 001, or a CSV's id column), prefixed
    # by its source so records from two systems never collide.
    control_number: Mapped[str | None] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    subtitle: Mapped[str | None] = mapped_column(String(500))
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(8))
    audience: Mapped[str] = mapped_column(String(20), default="all")
    cover_url: Mapped[str | None] = mapped_column(String(1000))
    call_number: Mapped[str | None] = mapped_column(String(100))
    # The SLiMS biblio_id this title mirrors (``flask slims sync``), if any.
    slims_biblio_id: Mapped[int | None] = mapped_column(Integer, unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    isbns: Mapped[list[Isbn]] = relationship(
        back_populates="book", cascade="all, delete-orphan", order_by="Isbn.position"
    )
    items: Mapped[list[Item]] = relationship(back_populates="book", order_by="Item.id")
    assets: Mapped[list[Asset]] = relationship(back_populates="book", order_by="Asset.position")

    __table_args__ = (
        CheckConstraint("audience IN ('children', 'teens', 'adults', 'all')", name="book_audience"),
    )

    @property
    def isbn13(self) -> str | None:
        return self.isbns[0].isbn13 if self.isbns else None


class Isbn(Base):
    """One ISBN (normalised to ISBN-13) of a book; a book may have several
    (hardback, paperback, the ISBN-10 era)."""

    __tablename__ = "isbn"

    isbn13: Mapped[str] = mapped_column(String(13), primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    book: Mapped[Book] = relationship(back_populates="isbns")


ITEM_STATUSES = ("available", "on_loan", "reference", "in_transit", "missing", "withdrawn")


class Item(Base):
    """A physical copy on the shelf, with the barcode the library already prints."""

    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="RESTRICT"), index=True)
    barcode: Mapped[str] = mapped_column(String(64), unique=True)
    # The library of the network that holds this copy; ``location`` is where in it.
    library_id: Mapped[int] = mapped_column(ForeignKey("library.id", ondelete="RESTRICT"), index=True,
                                            default=DEFAULT_LIBRARY)
    location: Mapped[str | None] = mapped_column(String(200))
    call_number: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="available")
    # The SLiMS item_id this copy mirrors (``flask slims sync``), if any.
    slims_item_id: Mapped[int | None] = mapped_column(Integer, unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    book: Mapped[Book] = relationship(back_populates="items")
    library: Mapped[Library] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "status IN ('available', 'on_loan', 'reference', 'in_transit', 'missing', 'withdrawn')",
            name="item_status",
        ),
    )

    @property
    def on_shelf(self) -> bool:
        return self.status in ("available", "reference")


ASSET_KINDS = ("video", "audio", "image", "model3d", "ar_overlay", "link", "ebook", "online")


class Asset(Base):
    """Content staff attach to a book: a file in the media store or a link."""

    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    caption: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="both")
    audience: Mapped[str] = mapped_column(String(20), default="all")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Content-addressed file in the media store (sha256 hex) or an external URL.
    media_hash: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(1000))
    # An online resource's provider as visitors know it (iPusnas, an e-journal, a database).
    provider: Mapped[str | None] = mapped_column(String(100))
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    book: Mapped[Book] = relationship(back_populates="assets")

    __table_args__ = (
        CheckConstraint(
            "kind IN ('video', 'audio', 'image', 'model3d', 'ar_overlay', 'link', 'ebook', 'online')", name="asset_kind"
        ),
        CheckConstraint("media_hash IS NOT NULL OR url IS NOT NULL", name="asset_has_content"),
        UniqueConstraint("book_id", "kind", "media_hash", name="uq_asset_book_kind_media"),
        # One link per online resource and title: a re-imported CSV of ISBN -> link adds nothing twice.
        Index("uq_asset_online_url", "book_id", "url", unique=True, sqlite_where=text("kind = 'online'"),
              postgresql_where=text("kind = 'online'")),
    )


ALIAS_KINDS = ("book", "control", "title")


class BookAlias(Base):
    """What a merged-away record was known by, pointing at the record kept:
    its old id (old links keep working), its control number and, for a record
    with neither ISBN nor control number, its title key (a re-import of the
    same file updates the kept record instead of bringing the duplicate back)."""

    __tablename__ = "book_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(700))
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "value", name="uq_book_alias_kind_value"),
        CheckConstraint("kind IN ('book', 'control', 'title')", name="book_alias_kind"),
    )


class CatalogueState(Base):
    """One row whose ``version`` goes up with every change to what a resolve
    answer shows (books, ISBNs, copies, codes, assets). Workers cache answers
    per version, so a change is visible at once in every process."""

    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Narration(Base):
    """A book read aloud by the speech synthesizer (``catalogue.narration``),
    for kiosks with no narration of the library's own: one audio file per
    book and language, kept until the text it reads (``text_hash``) changes."""

    __tablename__ = "narration"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    text_hash: Mapped[str] = mapped_column(String(64))
    media_hash: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(100))
    seconds: Mapped[float] = mapped_column(Float)
    voice: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("book_id", "language", name="uq_narration_book_language"),)
