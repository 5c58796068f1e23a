"""OPDS 2.0 (JSON, ``application/opds+json``): the navigation root with a
templated search link, navigation by subject, and publication feeds with
facets and pagination. A publication is the Readium Web Publication
Manifest's shape: ``metadata`` (schema.org Book), ``links`` (its
acquisitions: open-access e-books, online resources) and ``images``."""
from __future__ import annotations

from flask import current_app, json

from ..catalogue.models import Book
from . import links


def link(href: str, type: str, rel: str | None = None, title: str | None = None, **more) -> dict:
    found = {"href": href, "type": type}
    if rel:
        found["rel"] = rel
    if title:
        found["title"] = title
    found.update({k: v for k, v in more.items() if v is not None})
    return found


def publication(book: Book) -> dict:
    metadata: dict = {"@type": "http://schema.org/Book", "title": book.title, "identifier": links.identifier(book),
                      "modified": links.iso(links.updated(book))}
    if book.subtitle:
        metadata["subtitle"] = book.subtitle
    if book.authors:
        metadata["author"] = [{"name": name} for name in book.authors]
    if book.language:
        metadata["language"] = book.language
    if book.publisher:
        metadata["publisher"] = book.publisher
    # ``published`` must be a full date in OPDS 2.0; the catalogue knows a year only
    # (the Atom feed says it as dc:issued), so it is left out rather than made up.
    if book.subjects:
        metadata["subject"] = list(book.subjects)
    if book.summary:
        metadata["description"] = book.summary
    body: dict = {"metadata": metadata, "links": [
        *(link(a["href"], a["type"], a["rel"], a["title"]) for a in links.acquisitions(book)),
        link(links.page_url(book), "text/html", "alternate", book.title),
    ]}
    cover = links.cover(book)
    if cover:
        body["images"] = [link(cover["href"], cover["type"])]
    return body


def feed(title: str, self_href: str, feed_links: list[dict], **collections) -> dict:
    """A feed: ``metadata`` with its title, ``links`` with ``self`` first, and its
    non-empty collections (an empty list is not allowed: the caller gives another)."""
    body: dict = {"metadata": {"title": title, **collections.pop("metadata", {})},
                  "links": [link(self_href, links.OPDS_JSON, "self"), *feed_links]}
    body.update({name: value for name, value in collections.items() if value})
    return body


def respond(body: dict):
    return current_app.response_class(json.dumps(body, ensure_ascii=False), content_type=links.OPDS_JSON,
                                      headers={"Cache-Control": "public, max-age=300"})
