"""Kiosk registration and authentication, and the scan log.

A kiosk sends its key as ``Authorization: Bearer <key>``. The resolve API
stays public for reading; a request that carries a key must carry a valid
one (a wrong key is refused, never ignored), and its scans are logged per
kiosk for analytics."""
from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta, timezone

import click
from flask import Flask, current_app, g, request
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import errors
from ..clock import utcnow
from ..db import get_session
from ..libraries import NoSuchLibrary, get_library
from .models import Kiosk, ScanLog
from ..tokens import url_token


class BadKioskKey(errors.PindaiError):
    status = 401
    code = "bad_kiosk_key"
    message_en = _l("This kiosk key is unknown or has been revoked.")


def hash_key(key: str) -> str:
    # Keys are 256 random bits: a plain SHA-256 is enough (no dictionary to guess from).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_kiosk(session: Session, name: str, location: str | None = None,
                 library_id: int | None = None) -> tuple[Kiosk, str]:
    """Register a kiosk (in the default library unless ``library_id`` says
    another); returns it and its key (shown once, never stored)."""
    key = url_token(32)
    kiosk = Kiosk(name=name, location=location, key_hash=hash_key(key))
    if library_id is not None:
        kiosk.library_id = library_id
    session.add(kiosk)
    session.flush()
    return kiosk, key


def kiosk_for_key(session: Session, key: str) -> Kiosk | None:
    digest = hash_key(key)
    kiosk = session.scalars(select(Kiosk).where(Kiosk.key_hash == digest, Kiosk.retired_at.is_(None))).first()
    if kiosk is None or not hmac.compare_digest(kiosk.key_hash, digest):
        return None
    return kiosk


def request_kiosk() -> Kiosk | None:
    """The kiosk making this request, None when it sends no key; raises
    ``BadKioskKey`` for a key that is not valid."""
    if "kiosk" in g:
        return g.kiosk
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if not header:
        g.kiosk = None
        return None
    if scheme.lower() != "bearer" or not key.strip():
        raise BadKioskKey("Send the kiosk key as 'Authorization: Bearer <key>'.")
    kiosk = kiosk_for_key(get_session(), key.strip())
    if kiosk is None:
        raise BadKioskKey()
    g.kiosk = kiosk
    return kiosk


# Scans of one code by one kiosk or phone with no pause this long between them are
# one use: a book left before the camera, a label page reloaded, a looping demo video.
REPEAT_WINDOW = timedelta(minutes=10)


def client_key(day: date | None = None) -> str:
    """The asking phone's key for the repeat window: an HMAC, under the service's
    secret, of its address and browser and of the day, so the scan log holds no
    address and cannot follow a phone from one day to the next."""
    day = day or utcnow().date()
    address = request.remote_addr or "unknown"  # ProxyFix has applied the trusted proxies (throttle.client_address)
    text = f"{day.isoformat()}\n{address}\n{request.headers.get('User-Agent', '')}"
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode("utf-8"), text.encode("utf-8"),
                    hashlib.sha256).hexdigest()[:16]


def is_repeat(session: Session, at: datetime, *, kiosk_id: int | None, client: str | None, code: str | None,
              book_id: int | None) -> bool:
    """Whether a successful scan at ``at`` repeats one of the same code (for a
    scan without a code, an ISBN: the same book) by the same kiosk or phone in
    the ``REPEAT_WINDOW`` before it. Any earlier scan counts, repeat or not: a
    run of scans with no pause of the window is one use."""
    if kiosk_id is not None:
        who = ScanLog.kiosk_id == kiosk_id
    elif client is not None:
        who = (ScanLog.client == client) & ScanLog.kiosk_id.is_(None)
    else:
        return False
    if code is not None:
        same = ScanLog.code == code
    elif book_id is not None:
        same = ScanLog.code.is_(None) & (ScanLog.book_id == book_id)
    else:
        return False  # a library card: nothing to count twice
    # Bound values are UTC: SQLite compares the stored text, PostgreSQL the instants, alike.
    at = at.astimezone(timezone.utc)
    earlier = select(ScanLog.id).where(who, same, ScanLog.outcome == "ok", ScanLog.at > at - REPEAT_WINDOW,
                                       ScanLog.at <= at).limit(1)
    return session.scalar(earlier) is not None


def log_scan(session: Session, channel: str, outcome: str, *, kiosk: Kiosk | None = None, via: str | None = None,
             code: str | None = None, book_id: int | None = None, item_id: int | None = None,
             client: str | None = None) -> ScanLog:
    """Record a scan (committed with the request's session); a successful one
    that repeats an earlier one (``is_repeat``) is kept in the log but marked,
    and the analytics count it as part of the first one's use."""
    at = utcnow()
    kiosk_id = kiosk.id if kiosk else None
    client = None if kiosk is not None else client
    repeat = outcome == "ok" and is_repeat(session, at, kiosk_id=kiosk_id, client=client, code=code, book_id=book_id)
    row = ScanLog(at=at, channel=channel, kiosk_id=kiosk_id, via=via, code=code, book_id=book_id, item_id=item_id,
                  outcome=outcome, client=client, is_repeat=repeat)
    session.add(row)
    if kiosk is not None:
        kiosk.last_seen_at = at
    return row


@click.command("create-kiosk")
@click.argument("name")
@click.option("--location", help="Where the kiosk stands, e.g. 'Lantai 1 · Ruang Anak'.")
@click.option("--library", "library_code", help="The code of the library it stands in (the default library).")
@with_appcontext
def create_kiosk_command(name: str, location: str | None, library_code: str | None) -> None:
    """Register a kiosk and print its key (shown only this once)."""
    session = get_session()
    try:
        library = get_library(session, library_code).id if library_code else None
    except NoSuchLibrary:
        raise click.ClickException(f"no library with the code {library_code!r} (flask library list)") from None
    try:
        kiosk, key = create_kiosk(session, name, location, library)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise click.ClickException(f"a kiosk named {name!r} already exists") from None
    click.echo(f"Kiosk {kiosk.name!r} (id {kiosk.id}) registered. Its key, shown only now:")
    click.echo(key)
    click.echo(f"Start it with: python -m kiosk --service URL --key {key}")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_kiosk_command)
