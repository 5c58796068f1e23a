"""The demo library: a few dozen real titles (``books.csv``, facts from the
public catalogues credited in the README), their copies and codes, and
demo media generated here (covers, an illustration, AR overlays).

``flask seed-demo`` is idempotent: running it again updates, never duplicates."""
from __future__ import annotations

import csv
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import codes
from ..imports.records import BookRecord, Catalogue, ItemRecord
from ..media import storage
from ..catalogue.models import Asset, Book, Item
from . import artwork

BOOKS_CSV = Path(__file__).with_name("books.csv")


def demo_records() -> list[BookRecord]:
    """The demo catalogue as importer records, with stable copy barcodes."""
    records = []
    with open(BOOKS_CSV, newline="", encoding="utf-8") as fh:
        for number, row in enumerate(csv.DictReader(fh), start=1):
            copies = int(row["copies"] or 0)
            items = []
            for copy in range(1, copies + 1):
                # Every third title has its first copy out on loan, so the
                # demo shows both "on the shelf" and "on loan".
                status = "on_loan" if number % 3 == 0 and copy == 1 else "available"
                items.append(ItemRecord(f"DEMO-{number:03d}-{copy}", row["location"], row["call_number"], status))
            records.append(
                BookRecord(
                    title=row["title"],
                    authors=[a.strip() for a in row["authors"].split(";") if a.strip()],
                    subjects=[s.strip() for s in row["subjects"].split(";") if s.strip()],
                    summary=row["summary"] or None,
                    publisher=row["publisher"] or None,
                    year=int(row["year"]) if row["year"] else None,
                    language=row["language"],
                    audience=row["audience"],
                    call_number=row["call_number"],
                    isbns=[row["isbn13"]] if row["isbn13"] else [],
                    control_number=f"demo:{number:03d}",
                    items=items,
                )
            )
    return records


def seed(session: Session, with_media: bool = True) -> dict:
    """Load the demo library; returns counts and a few codes to try."""
    catalogue = Catalogue(session)
    outcomes = {"imported": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    for record in demo_records():
        status, _ = catalogue.apply(record)
        outcomes[status] += 1
    session.flush()
    books = list(session.scalars(select(Book).where(Book.control_number.like("demo:%")).order_by(Book.control_number)))
    for book in books:
        codes.ensure_code(session, "book", book.id)
        for item in book.items:
            codes.ensure_code(session, "item", item.id)
    if with_media:
        _media(session, books)
    session.commit()
    return {"books": len(books), **outcomes}


def _media(session: Session, books: list[Book]) -> None:
    store = storage()
    for index, book in enumerate(books):
        cover = store.put(artwork.cover_png(book.title, book.authors, index))
        book.cover_url = f"media:{cover}.png"
        if book.audience == "children":
            _attach(session, book, "image", "Ilustrasi · Illustration", artwork.illustration_png(book.title, index),
                    "image/png", audience="children", position=0)
            _attach(session, book, "ar_overlay", "Stiker AR · AR sticker", artwork.ar_overlay_png("Baca aku!", index),
                    "image/png", audience="children", position=1)


def _attach(session: Session, book: Book, kind: str, title: str, data: bytes, media_type: str, **fields) -> None:
    digest = storage().put(data)
    existing = session.scalars(
        select(Asset).where(Asset.book_id == book.id, Asset.kind == kind, Asset.media_hash == digest)
    ).first()
    if existing is None:
        session.add(Asset(book_id=book.id, kind=kind, title=title, media_hash=digest, media_type=media_type,
                          language="both", **fields))


# Laskar Pelangi, Bumi (teens), The Very Hungry Caterpillar, Harry Potter (first copy on loan).
SAMPLE_BARCODES = ("DEMO-001-1", "DEMO-014-1", "DEMO-024-1", "DEMO-029-2")


def sample_codes(session: Session) -> list[tuple[str, str]]:
    """(code, title) of a few demo copies, for the demo banner."""
    rows = session.execute(
        select(Item.id, Book.title).join(Book).where(Item.barcode.in_(SAMPLE_BARCODES)).order_by(Item.barcode)
    ).all()
    return [(codes.ensure_code(session, "item", item_id).code, title) for item_id, title in rows]


@click.command("seed-demo")
@click.option("--no-media", is_flag=True, help="Skip generating covers and demo assets.")
@with_appcontext
def seed_demo_command(no_media: bool) -> None:
    """Load the demo library (real titles, copies, codes, generated media)."""
    from ..db import get_session

    session = get_session()
    counts = seed(session, with_media=not no_media)
    click.echo(
        f"Demo library: {counts['books']} books ({counts['imported']} new, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged)."
    )
    base = current_app.config["PUBLIC_BASE_URL"]
    for code, title in sample_codes(session):
        click.echo(f"  {codes.label_url(base, code)}  {title}")
    session.commit()


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
