"""The demo library: a few dozen real titles (``books.csv``, facts from the
public catalogues credited in the README), their copies and codes, demo
media generated here (covers, an illustration, AR overlays, a 3D model,
narrations spoken by espeak-ng, open sample e-books and links to iPusnas)
and the events' sample programmes.

``flask seed-demo`` is idempotent: running it again updates, never duplicates
(a demo extra is known by its book, kind and title)."""
from __future__ import annotations

import csv
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import codes
from ..catalogue import narration
from ..events.samples import seed_programmes
from ..imports.records import BookRecord, Catalogue, ItemRecord
from ..media import checks, references, storage
from ..catalogue.models import Asset, Book, Item
from . import artwork, model3d
from . import ebook as demo_ebook

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


def seed(session: Session, with_media: bool = True, *, extras: bool = True, programmes: bool = True) -> dict:
    """Load the demo library and the sample programmes; returns counts, and
    notes on what could not be made here (no espeak-ng: no narration).

    ``with_media`` makes the covers and the children's pictures; ``extras`` the
    3D model and narrations too, ``programmes`` the sample programmes (tests of
    the kiosk leave both out and make the ones they check)."""
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
    notes: list[str] = []
    replaced: list[str] = []
    if with_media:
        replaced, notes = _media(session, books, extras=extras)
    session.commit()
    references.release(session, replaced)  # files of demo extras made anew (a changed narration)
    events = seed_programmes(session) if programmes else {"added": 0, "updated": 0}
    return {"books": len(books), **outcomes, "events": events["added"] + events["updated"],
            "events_added": events["added"], "notes": notes}


# The narrated books (Laskar Pelangi; a read-aloud children's book, Timun Mas) and
# the book with a 3D model (The Very Hungry Caterpillar), by control number.
NARRATED = ("demo:001", "demo:020")
MODELLED = {"demo:024": (0.18, 0.55, 0.16, 1.0)}  # the caterpillar's green
# Open e-books (a generated reading sample, ``ebook``) and links to online resources.
EBOOKS = ("demo:001", "demo:024")
ONLINE = {"demo:001": ("iPusnas", "https://ipusnas.id/"), "demo:003": ("iPusnas", "https://ipusnas.id/")}
EBOOK_TITLE = "E-book contoh · Sample e-book"
NARRATION_TITLE = "Narasi · Narration"
MODEL_TITLE = "Model 3D buku · 3D book model"


def _media(session: Session, books: list[Book], *, extras: bool) -> tuple[list[str], list[str]]:
    """Covers and extras; answers the digests replaced and the notes to print."""
    store = storage()
    replaced: list[str | None] = []
    notes: list[str] = []
    for index, book in enumerate(books):
        cover = store.put(artwork.cover_png(book.title, book.authors, index))
        book.cover_url = f"media:{cover}.png"
        if book.audience == "children":
            replaced.append(_attach(session, book, "image", "Ilustrasi · Illustration",
                                    artwork.illustration_png(book.title, index), "image/png",
                                    audience="children", position=0))
            replaced.append(_attach(session, book, "ar_overlay", "Stiker AR · AR sticker",
                                    artwork.ar_overlay_png("Baca aku!", index), "image/png",
                                    audience="children", position=1))
        if not extras:
            continue
        if book.control_number in MODELLED:
            # Checked as an upload would be: the demo shows nothing staff could not upload.
            model = checks.check("model3d", model3d.book_glb(MODELLED[book.control_number], book.title[:40]))
            replaced.append(_attach(session, book, "model3d", MODEL_TITLE, model.data, model.media_type,
                                    audience=book.audience if book.audience == "children" else "all", position=2))
        if book.control_number in EBOOKS:
            ebook = checks.check("ebook", demo_ebook.book_epub(book))  # as an upload would be
            replaced.append(_attach(session, book, "ebook", EBOOK_TITLE, ebook.data, ebook.media_type, position=4))
        if book.control_number in ONLINE:
            _link(session, book, *ONLINE[book.control_number])
        if book.control_number in NARRATED and not notes:
            try:
                replaced.append(_narrate(session, book))
            except narration.NarrationUnavailable:
                notes.append("no narration extras: espeak-ng is not installed or failed here "
                             "(`make setup` installs it; PINDAI_NARRATION_ESPEAK names the program)")
    return [d for d in replaced if d], notes


def _narrate(session: Session, book: Book) -> str | None:
    """The book read aloud by espeak-ng (the service's own narration, ``narration.speak``),
    attached as an audio extra in the book's language with the words as its caption;
    answers the digest it replaced; raises ``NarrationUnavailable`` when espeak-ng cannot speak here."""
    language = book.language if book.language in narration.VOICES else "id"
    text = narration.narration_text(book, language)
    asset = _demo_asset(session, book, "audio", NARRATION_TITLE)
    if asset is not None and asset.caption == text and asset.media_hash and storage().exists(asset.media_hash):
        return None  # already spoken, and the words have not changed
    audio, _seconds = narration.speak(text, narration.VOICES[language])
    return _attach(session, book, "audio", NARRATION_TITLE, audio, narration.MEDIA_TYPE, caption=text,
                   language=language, audience="children" if book.audience == "children" else "all", position=3)


def _link(session: Session, book: Book, provider: str, url: str) -> None:
    """The demo's link to an online resource, once per title and address."""
    url, provider = checks.check_online(url, provider)
    if _demo_asset(session, book, "online", provider) is None:
        session.add(Asset(book_id=book.id, kind="online", title=provider, provider=provider, url=url,
                          language="both", audience="all", position=5))


def _demo_asset(session: Session, book: Book, kind: str, title: str) -> Asset | None:
    return session.scalars(
        select(Asset).where(Asset.book_id == book.id, Asset.kind == kind, Asset.title == title).order_by(Asset.id)
    ).first()


def _attach(session: Session, book: Book, kind: str, title: str, data: bytes, media_type: str,
            **fields) -> str | None:
    """Attach the demo extra ``title`` of ``kind`` to ``book``, or bring it up
    to date; answers the digest it no longer uses (to release after commit)."""
    digest = storage().put(data)
    fields = {"language": "both", **fields}
    asset = _demo_asset(session, book, kind, title)
    if asset is None:
        session.add(Asset(book_id=book.id, kind=kind, title=title, media_hash=digest, media_type=media_type,
                          **fields))
        return None
    old = asset.media_hash
    asset.media_hash, asset.media_type = digest, media_type
    for name, value in fields.items():
        setattr(asset, name, value)
    return old if old != digest else None


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
        f"{counts['unchanged']} unchanged); {counts['events']} sample programmes ({counts['events_added']} new)."
    )
    for note in counts["notes"]:
        click.echo(f"  Note: {note}")
    base = current_app.config["PUBLIC_BASE_URL"]
    for code, title in sample_codes(session):
        click.echo(f"  {codes.label_url(base, code)}  {title}")
    session.commit()


def init_app(app: Flask) -> None:
    from ..media.examples import Example, register
    from .model3d import book_glb

    app.cli.add_command(seed_demo_command)
    # What the staff guide offers as examples of good extras: files this demo makes anyway.
    register(app, Example("stiker-ar-contoh.png", "ar_overlay", "image/png",
                          lambda: artwork.ar_overlay_png("Baca aku!", 1)))
    register(app, Example("buku-3d-contoh.glb", "model3d", "model/gltf-binary",
                          lambda: book_glb((0.75, 0.1, 0.1, 1.0), "Buku contoh")))
