"""The libraries of the network (core): who holds which copy, kiosk and
event, and the one lookup every part uses.

- `get_library(session, code_or_id)`: one library, or `NoSuchLibrary` (404).
- `default_library(session)`: the default one (where rows with no library go).
- `all_libraries(session)`: the active libraries, the default first, then by name.
- `init_app`: `flask library add/list`; the opening hours (`hours.py`) read and checked.
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import errors
from ..args import MAX_ID
from ..db import get_session, write
from .models import KINDS, Library


class NoSuchLibrary(errors.PindaiError):
    status = 404
    code = "no_such_library"
    message_en = _l("There is no such library in the network.")


def get_library(session: Session, ref: int | str) -> Library:
    """The library with this id or code; ``NoSuchLibrary`` otherwise."""
    query = select(Library)
    text = str(ref).strip()
    if isinstance(ref, int) or (text.isascii() and text.isdigit()):
        if not 0 < int(text) <= MAX_ID:  # no row has it (and PostgreSQL's integer ends there)
            raise NoSuchLibrary()
        query = query.where(Library.id == int(text))
    else:
        query = query.where(Library.code == text.lower())
    library = session.scalars(query).first()
    if library is None:
        raise NoSuchLibrary()
    return library


def default_library(session: Session) -> Library:
    return session.scalars(select(Library).where(Library.is_default.is_(True))).one()


def all_libraries(session: Session, *, include_inactive: bool = False) -> list[Library]:
    query = select(Library).order_by(Library.is_default.desc(), Library.name)
    if not include_inactive:
        query = query.where(Library.active.is_(True))
    return list(session.scalars(query))


def init_app(app: Flask) -> None:
    """Called by the application factory: the `flask library` commands, the opening hours."""
    from . import hours

    hours.init_app(app)
    app.cli.add_command(library_group)


@click.group("library")
def library_group() -> None:
    """The libraries of the network."""


@library_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), default="branch", show_default=True,
              help="What kind of library it is.")
@click.option("--address", default=None, help="Its street address.")
@with_appcontext
def add_command(code: str, name: str, kind: str, address: str | None) -> None:
    """Add a library CODE (short, lower case) called NAME to the network."""
    library = write(lambda s: _add(s, code, name, kind, address), get_session())
    click.echo(f"{library.code}\t{library.name}")


def _add(session: Session, code: str, name: str, kind: str, address: str | None) -> Library:
    library = Library(code=code.strip().lower(), name=name.strip(), kind=kind, address=address)
    session.add(library)
    session.flush()
    return library


@library_group.command("list")
@with_appcontext
def list_command() -> None:
    """List the libraries (code, name, kind; the default is marked)."""
    for library in all_libraries(get_session(), include_inactive=True):
        mark = " *" if library.is_default else ""
        click.echo(f"{library.code}\t{library.name}\t{library.kind}{mark}")
