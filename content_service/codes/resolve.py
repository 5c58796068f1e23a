"""Interpreting whatever a camera read: our label URL, a bare code, an item
barcode or an ISBN. The service owns this so every kiosk and page agrees.

Other features add what only they know from their ``init_app``, into the
app's own registries: ``add_recogniser`` (payloads of their own, e.g. library
cards) and ``add_target_resolver`` (code targets of their own, e.g. events)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import codes, errors, isbn
from ..catalogue.models import Book, Isbn, Item
from ..catalogue.queries import load_book
from .models import Code

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class Resolution:
    """What a payload points at. ``via`` says how it was recognised
    (label_url, code, item_barcode, isbn)."""

    type: str
    via: str
    book: Book | None = None
    item: Item | None = None
    code: str | None = None
    answer: dict | None = None  # a finished answer from another concern (events); never cached
    card: str | None = None  # type "patron_card": the normalised card number, nothing personal


# fn(session, text) -> Resolution | None: a payload of another feature's own.
Recogniser = Callable[[Session, str], "Resolution | None"]
# fn(session, target_id, via, code) -> Resolution with its ``answer``.
TargetResolver = Callable[[Session, int, str, str], "Resolution"]
_RECOGNISERS, _TARGET_RESOLVERS = "pindai.resolve.recognisers", "pindai.resolve.target_resolvers"


def init_app(app: Flask) -> None:
    """Give the app its (empty) registries; called by the application factory
    before the features that fill them."""
    app.extensions[_RECOGNISERS] = []
    app.extensions[_TARGET_RESOLVERS] = {}


def add_recogniser(app: Flask, recognise: Recogniser) -> None:
    """Try ``recognise`` on payloads that are none of the core's (after codes,
    before ISBNs)."""
    app.extensions[_RECOGNISERS].append(recognise)


def add_target_resolver(app: Flask, target_type: str, resolve_target: TargetResolver) -> None:
    """Answer codes whose target is ``target_type`` with ``resolve_target``."""
    app.extensions[_TARGET_RESOLVERS][target_type] = resolve_target


# Outside an app (a script calling resolve directly) only the core's own payloads resolve.
def _recognisers() -> list[Recogniser]:
    return current_app.extensions.get(_RECOGNISERS, []) if has_app_context() else []


def _target_resolvers() -> dict[str, TargetResolver]:
    return current_app.extensions.get(_TARGET_RESOLVERS, {}) if has_app_context() else {}


def resolve(session: Session, payload: str | None, base_url: str, max_length: int = 2048) -> Resolution:
    """Resolve a raw scanned payload, or raise the ``errors.PindaiError``
    that says why it cannot be."""
    if payload is None or not payload.strip():
        raise errors.MissingPayload()
    if len(payload) > max_length:
        raise errors.PayloadTooLong(max_length=max_length)
    text = payload.strip()

    from_url = codes.code_from_url(text, base_url)
    if from_url is False:
        raise errors.NotOurs()
    if from_url is not None:
        code = codes.normalise(from_url)
        if code is None:
            raise errors.UnknownCode()
        return _resolve_code(session, code, via="label_url")

    if _CONTROL_CHARS.search(text):
        raise errors.NotOurs()

    item = session.scalars(select(Item).where(Item.barcode == text)).first()
    if item is not None:
        return _item_resolution(session, item, via="item_barcode")

    code = codes.normalise(text)
    if code is not None:
        row = session.get(Code, code)
        if row is not None:
            return _resolve_code(session, code, via="code")

    for recognise in _recognisers():
        found = recognise(session, text)
        if found is not None:
            return found

    compact = isbn.compact(text)
    # EAN-13 scanners may append a 2- or 5-digit price add-on.
    if re.fullmatch(r"97[89]\d{10}(\d{2}|\d{5})", compact):
        compact = compact[:13]
    if isbn.looks_like_isbn(compact):
        isbn13 = isbn.to_isbn13(compact)
        if isbn13 is None:
            raise errors.InvalidIsbn(isbn=compact)
        row = session.get(Isbn, isbn13)
        if row is None:
            raise errors.UnknownIsbn(isbn=isbn13)
        return Resolution(type="book", via="isbn", book=load_book(session, row.book_id))

    if code is not None:
        raise errors.UnknownCode()
    raise errors.NotOurs()


def _resolve_code(session: Session, code: str, via: str) -> Resolution:
    row = codes.lookup_code(session, code)
    if row.target_type == "item":
        return _item_resolution(session, session.get(Item, row.target_id), via=via, code=code)
    if row.target_type == "book":
        book = load_book(session, row.target_id)
        if book is None:
            raise errors.RetiredCode()
        return Resolution(type="book", via=via, book=book, code=code)
    resolvers = _target_resolvers()
    if row.target_type in resolvers:
        return resolvers[row.target_type](session, row.target_id, via, code)
    raise errors.UnsupportedTarget(target_type=row.target_type)


def _item_resolution(session: Session, item: Item, via: str, code: str | None = None) -> Resolution:
    return Resolution(type="item", via=via, book=load_book(session, item.book_id), item=item, code=code)
