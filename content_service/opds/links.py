"""What both OPDS feeds say about a title and its files: media types, link
relations, a title's identifier, its acquisition links (the library's open
e-books, online resources) and its cover."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import url_for

from ..catalogue import shapes
from ..catalogue.models import Asset, Book
from .catalog import eresources

NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPENSEARCH = "application/opensearchdescription+xml"
OPDS_JSON = "application/opds+json"
OPEN_ACCESS = "http://opds-spec.org/acquisition/open-access"
ACQUIRE = "http://opds-spec.org/acquisition"
FACET = "http://opds-spec.org/facet"
SORT_NEW = "http://opds-spec.org/sort/new"
IMAGE = "http://opds-spec.org/image"
THUMBNAIL = "http://opds-spec.org/image/thumbnail"
_IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                ".gif": "image/gif"}


def identifier(book: Book) -> str:
    """``urn:isbn:`` when the title has an ISBN, else the library's own URN."""
    return f"urn:isbn:{book.isbn13}" if book.isbn13 else f"urn:pindai:book:{book.id}"


def iso(moment: datetime | None) -> str:
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def updated(book: Book) -> datetime | None:
    times = [a.created_at for a in book.assets if a.published and a.kind in ("ebook", "online")]
    times += [book.updated_at] if book.updated_at else []
    aware = [t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in times]
    return max(aware) if aware else None


def acquisitions(book: Book) -> list[dict]:
    """Each e-book as an open-access download, each online resource as a page to go to."""
    ebooks, online = eresources(book)
    found = [{"rel": OPEN_ACCESS, "href": shapes.media_url(a.media_hash, a.media_type), "type": a.media_type,
              "title": a.title} for a in ebooks if a.media_hash]
    found += [{"rel": ACQUIRE, "href": a.url, "type": "text/html", "title": a.provider or a.title}
              for a in online if a.url]
    return found


def cover(book: Book) -> dict | None:
    """The cover's address and media type, when the title has one whose type is known."""
    url = shapes.cover_url(book)
    if not url:
        return None
    suffix = "." + url.rsplit(".", 1)[-1].lower() if "." in url.rsplit("/", 1)[-1] else ""
    return {"href": url, "type": _IMAGE_TYPES.get(suffix, "image/jpeg")}


def page_url(book: Book) -> str:
    return url_for("public.book_page", book_id=book.id, _external=True)


def ebook_asset(book: Book) -> Asset | None:
    ebooks, _online = eresources(book)
    return ebooks[0] if ebooks else None
