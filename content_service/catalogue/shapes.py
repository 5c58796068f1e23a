"""What the API and the public pages show of the catalogue: availability of
a book's copies and the JSON shapes of books, items and assets."""
from __future__ import annotations

from collections import OrderedDict

from flask import current_app, has_app_context, url_for

from .models import Asset, Book, Item

# Copies that are no longer part of the collection do not count as copies.
_GONE = ("withdrawn", "missing")


def live_status(item: Item) -> str:
    """The copy's status; with a library system behind Pindai (SIP2), the one the
    circulation desk sees (``pindai.item_status``), where it knows the copy."""
    probe = current_app.extensions.get("pindai.item_status") if has_app_context() else None
    if probe is None or item.status in ("reference", "withdrawn"):
        return item.status
    return probe(item.barcode) or item.status


def availability(book: Book, prefer: int | None = None) -> dict:
    """How many copies there are, how many are on the shelf now, and where:
    ``locations`` (shelves), and ``libraries``, the union catalogue's copies
    per library of the network: ``prefer`` (a kiosk's own library, the
    library of the copy a phone scanned) first, then the default library,
    then by name."""
    statuses = {item.id: live_status(item) for item in book.items}
    copies = [item for item in book.items if statuses[item.id] not in _GONE]
    places: OrderedDict[str, dict] = OrderedDict()
    libraries: dict[int, dict] = {}
    for item in copies:
        library = item.library
        branch = libraries.setdefault(library.id, {
            "id": library.id, "code": library.code, "name": library.name,
            "total": 0, "available": 0, "reference": 0,
            "_order": (library.id != prefer, not library.is_default, library.name),
        })
        branch["total"] += 1
        branch["available"] += statuses[item.id] == "available"
        branch["reference"] += statuses[item.id] == "reference"
    for item in copies:
        key = item.location or ""
        place = places.setdefault(
            key,
            {
                "location": item.location,
                "call_number": item.call_number or book.call_number,
                "total": 0,
                "available": 0,
            },
        )
        place["total"] += 1
        place["available"] += statuses[item.id] == "available"
    available = sum(1 for item in copies if statuses[item.id] == "available")
    reference = sum(1 for item in copies if statuses[item.id] == "reference")
    if not copies:
        status = "no_copies"
    elif available:
        status = "available"
    elif reference:
        status = "reference_only"
    else:
        status = "all_on_loan"
    return {
        "status": status,
        "total": len(copies),
        "available": available,
        "reference": reference,
        "locations": list(places.values()),
        "libraries": [{k: v for k, v in branch.items() if k != "_order"}
                      for branch in sorted(libraries.values(), key=lambda b: b["_order"])],
    }


def media_url(media_hash: str, media_type: str | None) -> str:
    from ..media import extension_for

    return url_for("media.serve", name=media_hash + extension_for(media_type), _external=True)


def cover_url(book: Book) -> str | None:
    if book.cover_url and book.cover_url.startswith("media:"):
        name = book.cover_url.removeprefix("media:")
        return url_for("media.serve", name=name, _external=True)
    return book.cover_url


def book_dict(book: Book, base_url: str) -> dict:
    return {
        "id": book.id,
        "title": book.title,
        "subtitle": book.subtitle,
        "authors": list(book.authors or []),
        "subjects": list(book.subjects or []),
        "summary": book.summary,
        "publisher": book.publisher,
        "year": book.year,
        "language": book.language,
        "audience": book.audience,
        "isbn13": book.isbn13,
        "isbns": [row.isbn13 for row in book.isbns],
        "call_number": book.call_number,
        "cover_url": cover_url(book),
        "page_url": url_for("public.book_page", book_id=book.id, _external=True),
        "api_url": url_for("api.get_book", book_id=book.id, _external=True),
    }


def item_dict(item: Item) -> dict:
    status = live_status(item)
    return {
        "id": item.id,
        "barcode": item.barcode,
        "library": {"id": item.library.id, "code": item.library.code, "name": item.library.name},
        "location": item.location,
        "call_number": item.call_number,
        "status": status,
        "on_shelf": status == "available",
    }


def asset_dict(asset: Asset) -> dict:
    url = media_url(asset.media_hash, asset.media_type) if asset.media_hash else asset.url
    return {
        "id": asset.id,
        "kind": asset.kind,
        "title": asset.title,
        "caption": asset.caption,
        "language": asset.language,
        "audience": asset.audience,
        "media_type": asset.media_type,
        "url": url,
        "provider": asset.provider,
    }


def published_assets(book: Book) -> list[Asset]:
    return [asset for asset in book.assets if asset.published]
