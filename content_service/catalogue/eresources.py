"""Online resources attached to titles (iPusnas, e-journals, databases): an
https address checked by ``media.checks.check_online`` and its provider's
name, at most once per title and address (a database index says so too).
Shared by the staff portal's extras form and the CSV import of ISBN ->
link (``imports.online_links``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import errors
from ..media import checks
from .models import Asset, Book


class DuplicateAsset(errors.PindaiError):
    status = 409
    code = "duplicate_asset"
    message_en = _l("The same file is already attached to this book.")


def next_position(session: Session, book_id: int) -> int:
    return (session.scalar(select(func.max(Asset.position)).where(Asset.book_id == book_id)) or 0) + 1


def online_resource(session: Session, book_id: int, url: str) -> Asset | None:
    """The title's online resource at ``url`` (already checked), if it has one."""
    return session.scalars(select(Asset).where(Asset.book_id == book_id, Asset.kind == "online",
                                               Asset.url == url)).first()


def add_online(session: Session, book: Book, url: str, provider: str, meta: dict, *, published: bool = False) -> Asset:
    """Attach a link to an online resource; the same address twice on one title
    is refused (``DuplicateAsset``)."""
    url, provider = checks.check_online(url, provider)
    taken = online_resource(session, book.id, url)
    if taken is not None:
        raise DuplicateAsset(_l("This online resource is already attached to this book as “%(title)s”.", title=taken.title))
    asset = Asset(book_id=book.id, kind="online", url=url, provider=provider, position=next_position(session, book.id),
                  published=published, **meta)
    try:
        with session.begin_nested():
            session.add(asset)
    except IntegrityError:  # the same link sent twice at once: the database's unique index keeps one
        raise DuplicateAsset() from None
    return asset
