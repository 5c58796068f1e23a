"""The catalogue: what the library holds and how it is shown.

The parts, one module each: ``models`` (books, ISBNs, items, assets, the
catalogue version row), ``queries`` (loading books: ``get_book`` raises the
one "no such book" error), ``shapes`` (availability and the JSON shapes of
books, items and assets), ``versioning`` (the catalogue version every write
bumps, and the answer cache built on it)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Called by the application factory, after ``db``: the catalogue's
    version listeners and answer cache (see ``versioning``)."""
    from . import versioning

    versioning.init_app(app)
