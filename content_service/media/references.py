"""Which stored files something still uses: only those are served, and the
rest are removed from the store.

A stored file is public at ``/media/<sha256>`` only while a row refers to
it (an extra, its thumbnail, poster or iPhone model, a book's or an event's
cover); ``served`` answers that for ``/media/``, remembering a yes for a
few seconds. Each part of the service registers a *finder* for its own columns in
``init_app`` (``register``); ``referenced`` asks them all. ``release`` is
called after an extra is deleted or its file replaced: files nothing refers
to any more are deleted, unless written in the last ``GRACE_SECONDS`` (an
upload of the same bytes may be on its way to its commit). ``flask
media-prune`` removes whatever is left over."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

log = logging.getLogger(__name__)
Finder = Callable[[Session, set[str]], set[str]]
GRACE_SECONDS = 600
SEEN_SECONDS = 30
_CHUNK = 500


def register(app: Flask, finder: Finder) -> None:
    """Add a finder: given digests, it answers those its rows refer to."""
    app.extensions.setdefault("pindai.media_refs", []).append(finder)


def hash_columns(*columns: InstrumentedAttribute) -> Finder:
    """A finder for columns that hold a bare sha256 digest."""
    def find(session: Session, digests: set[str]) -> set[str]:
        found: set[str] = set()
        wanted = sorted(digests)
        for column in columns:
            for at in range(0, len(wanted), _CHUNK):
                found.update(session.scalars(select(column).where(column.in_(wanted[at:at + _CHUNK]))))
        return found & digests

    return find


def url_columns(*columns: InstrumentedAttribute) -> Finder:
    """A finder for columns that hold ``media:<sha256>.<ext>`` (covers)."""
    def find(session: Session, digests: set[str]) -> set[str]:
        found: set[str] = set()
        for column in columns:
            if len(digests) == 1:
                (digest,) = digests
                query = select(column).where(column.like(f"media:{digest}%"))
            else:
                query = select(column).where(column.like("media:%"))
            found.update(value[6:70] for value in session.scalars(query) if value)
        return found & digests

    return find


def referenced(session: Session, digests: Iterable[str]) -> set[str]:
    """The digests among ``digests`` that some row refers to."""
    wanted, found = set(digests), set()
    for finder in current_app.extensions.get("pindai.media_refs", []):
        found |= finder(session, wanted - found)
        if found == wanted:
            break
    return found


def served(session: Session, digest: str) -> bool:
    """Whether ``/media/`` may serve ``digest``. A yes is remembered for SEEN_SECONDS
    in this worker: a page of 20 covers or a video's Range requests would otherwise
    each scan the tables (a cover's ``media:`` column has no index), and a deleted
    extra's file is gone from every worker within that time (at once from this one)."""
    seen = current_app.extensions.setdefault("pindai.media_seen", {})
    now = time.monotonic()
    if seen.get(digest, 0) > now:
        return True
    if digest in referenced(session, {digest}):
        if len(seen) > 10_000:
            seen.clear()
        seen[digest] = now + SEEN_SECONDS
        return True
    return False


def release(session: Session, digests: Iterable[str | None], *, grace: float = GRACE_SECONDS) -> list[str]:
    """Delete the files among ``digests`` that nothing refers to any more
    (call after the commit that dropped the reference); answers those removed."""
    from . import storage

    store = storage()
    candidates = {d for d in digests if d}
    seen = current_app.extensions.get("pindai.media_seen", {})
    for digest in candidates:
        seen.pop(digest, None)
    unused = candidates - referenced(session, candidates)
    removed = []
    for digest in sorted(unused):
        try:
            if store.exists(digest) and time.time() - store.modified(digest) >= grace:
                store.delete(digest)
                removed.append(digest)
        except OSError:  # the change is committed; a file left behind is only served no more
            log.warning("could not remove unused media file %s", digest, exc_info=True)
    return removed


@click.command("media-prune")
@click.option("--grace", default=GRACE_SECONDS, show_default=True, help="Keep files written this many seconds ago or less.")
@with_appcontext
def prune_command(grace: int) -> None:
    """Remove stored files that no extra, thumbnail or cover refers to."""
    from ..db import get_session
    from . import storage

    removed = release(get_session(), storage().digests(), grace=grace)
    click.echo(f"Removed {len(removed)} unused file(s) from the media store.")
