"""The OPDS catalogue (a feature): the library's open e-books and online
resources for reading apps (Thorium, KOReader, Aldiko, Palace), as OPDS 1.2
(Atom, ``/opds``) and OPDS 2.0 (JSON, ``/opds/v2``): navigation, acquisition
feeds with facets and pages, search. ``catalog`` chooses what is listed,
``links`` says it the same way in both, ``atom`` and ``v2`` write the feeds,
``views`` are the addresses."""
from __future__ import annotations

from flask import Flask

from . import views


def init_app(app: Flask) -> None:
    """Called by the application factory."""
    app.register_blueprint(views.bp)
