"""A book's share card (its public page's Open Graph tags) and its square
Instagram poster: cover, title, authors and the QR of the book's label URL."""
from __future__ import annotations

import re

from flask import Response
from flask_babel import force_locale, gettext, lazy_gettext as _l
from sqlalchemy.orm import Session

from .. import media
from ..catalogue import shapes
from ..catalogue.models import Book
from ..i18n import in_language
from ..libraries import default_library
from . import Card, card, label_url, poster_response, public_url
from .posters import Poster

_STORED = re.compile(r"^media:([0-9a-f]{64})(\.[a-z0-9]{2,5})?$")
HEADING = _l("Featured book")
HINT = _l("Scan to find it on the shelf and see its extras.")


def stored_cover(cover_url: str | None) -> str | None:
    """The media-store file behind a ``media:`` cover, if it is there (a cover
    linked from another site is never fetched for a poster)."""
    match = _STORED.match(cover_url or "")
    if match is None or not media.storage().exists(match[1]):
        return None
    return str(media.storage().local_copy(match[1]))


def book_card(book: Book) -> Card:
    """The card of ``/books/<id>``: the summary (or who wrote it), the cover or the poster."""
    byline = f"{gettext('by')} {', '.join(book.authors)}" if book.authors else ""
    title = f"{book.title}: {book.subtitle}" if book.subtitle else book.title
    return card(title=title, description=book.summary or byline or title,
                url=public_url("public.book_page", book_id=book.id), image=shapes.cover_url(book),
                poster_url=public_url("public.book_poster", book_id=book.id), type="book")


def book_poster(session: Session, book: Book) -> Poster:
    """The book's square poster, in Indonesian with the scan hint in English too."""
    url, code = label_url(session, "book", book.id)
    with force_locale("id"):
        lines = [book.subtitle or "", f"{gettext('by')} {', '.join(book.authors[:3])}" if book.authors else ""]
    return Poster(heading=f"{in_language('id', HEADING)} · {in_language('en', HEADING)}", title=book.title,
                  lines=tuple(line for line in lines if line), url=url, code=code,
                  library=default_library(session).name, hint=(in_language("id", HINT), in_language("en", HINT)),
                  cover=stored_cover(book.cover_url))


def poster_png(session: Session, book: Book, *, staff: bool = False) -> Response:
    """The poster as a PNG answer: cached publicly, or (``staff``) a file to save."""
    return poster_response(book_poster(session, book), f"poster-buku-{book.id}.png", download=staff, public=not staff)
