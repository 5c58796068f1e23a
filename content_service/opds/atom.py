"""OPDS 1.2 (Atom) feeds: the navigation root, navigation by subject,
acquisition feeds (the newest e-resources under facets, search results)
with pagination and facet links (``opds:facetGroup``, ``opds:activeFacet``,
``thr:count``), and the OpenSearch description that gives readers the
search template. Built with ElementTree, so every text is escaped."""
from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Response, current_app

from ..catalogue.models import Book
from . import links

ATOM = "http://www.w3.org/2005/Atom"
NS = {"": ATOM, "dc": "http://purl.org/dc/terms/", "opds": "http://opds-spec.org/2010/catalog",
      "opensearch": "http://a9.com/-/spec/opensearch/1.1/", "thr": "http://purl.org/syndication/thread/1.0"}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def _q(name: str) -> str:
    prefix, _, local = name.rpartition(":")
    return f"{{{NS[prefix]}}}{local}"


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, _q(name), {(_q(k.replace("__", ":")) if "__" in k else k): str(v)
                                                for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def link(parent: ET.Element, rel: str, href: str, type: str | None = None, **attrs) -> ET.Element:
    return _sub(parent, "link", rel=rel, href=href, type=type, **attrs)


def feed(feed_id: str, title: str, updated: str, author: tuple[str, str], links_: list[dict]) -> ET.Element:
    """An Atom feed with its required metadata and the feed-level links."""
    root = ET.Element(_q("feed"))
    _sub(root, "id", feed_id)
    _sub(root, "title", title)
    _sub(root, "updated", updated)
    person = _sub(root, "author")
    _sub(person, "name", author[0])
    _sub(person, "uri", author[1])
    for item in links_:
        link(root, **item)
    return root


def navigation_entry(root: ET.Element, entry_id: str, title: str, href: str, type: str, updated: str,
                     content: str, rel: str = "subsection", count: int | None = None) -> None:
    entry = _sub(root, "entry")
    _sub(entry, "title", title)
    _sub(entry, "id", entry_id)
    _sub(entry, "updated", updated)
    link(entry, rel, href, type, thr__count=count)
    _sub(entry, "content", content, type="text")


def publication_entry(root: ET.Element, book: Book) -> None:
    """A title as an OPDS catalog entry: metadata, cover, its page, acquisitions."""
    entry = _sub(root, "entry")
    _sub(entry, "title", book.title + (f": {book.subtitle}" if book.subtitle else ""))
    _sub(entry, "id", links.identifier(book))
    _sub(entry, "updated", links.iso(links.updated(book)))
    for name in book.authors or []:
        _sub(_sub(entry, "author"), "name", name)
    _sub(entry, "dc:identifier", links.identifier(book))
    for isbn in book.isbns[1:]:
        _sub(entry, "dc:identifier", f"urn:isbn:{isbn.isbn13}")
    if book.language:
        _sub(entry, "dc:language", book.language)
    if book.publisher:
        _sub(entry, "dc:publisher", book.publisher)
    if book.year:
        _sub(entry, "dc:issued", str(book.year))
    for subject in book.subjects or []:
        _sub(entry, "category", term=subject, label=subject)
    if book.summary:
        _sub(entry, "summary", book.summary, type="text")
    cover = links.cover(book)
    if cover:
        link(entry, links.IMAGE, cover["href"], cover["type"])
        link(entry, links.THUMBNAIL, cover["href"], cover["type"])
    link(entry, "alternate", links.page_url(book), "text/html", title=book.title)
    for item in links.acquisitions(book):
        link(entry, item["rel"], item["href"], item["type"], title=item["title"])


def facet_link(root: ET.Element, href: str, title: str, group: str, count: int, active: bool) -> None:
    link(root, links.FACET, href, links.ACQUISITION, title=title, opds__facetGroup=group,
         opds__activeFacet="true" if active else None, thr__count=count)


def totals(root: ET.Element, total: int, per_page: int, page: int) -> None:
    _sub(root, "opensearch:totalResults", str(total))
    _sub(root, "opensearch:itemsPerPage", str(per_page))
    _sub(root, "opensearch:startIndex", str((page - 1) * per_page + 1))


def respond(root: ET.Element, kind: str) -> Response:
    """The feed as ``application/atom+xml;profile=opds-catalog;kind=...``."""
    # Entries after the feed's metadata and links (Atom allows any order; readers expect this one).
    entries = [child for child in root if child.tag == _q("entry")]
    for child in entries:
        root.remove(child)
        root.append(child)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    media = links.NAVIGATION if kind == "navigation" else links.ACQUISITION
    return current_app.response_class(body, content_type=f"{media};charset=utf-8",
                                      headers={"Cache-Control": "public, max-age=300"})


def opensearch(short_name: str, description: str, template: str) -> Response:
    """The OpenSearch description: where and how to search the catalogue."""
    ns = "http://a9.com/-/spec/opensearch/1.1/"
    root = ET.Element(f"{{{ns}}}OpenSearchDescription")
    for name, text in (("ShortName", short_name[:16]), ("Description", description[:1024]), ("InputEncoding", "UTF-8"),
                       ("OutputEncoding", "UTF-8")):
        ET.SubElement(root, f"{{{ns}}}{name}").text = text
    ET.SubElement(root, f"{{{ns}}}Url", {"type": links.ACQUISITION, "template": template})
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return current_app.response_class(body, content_type=f"{links.OPENSEARCH};charset=utf-8",
                                      headers={"Cache-Control": "public, max-age=3600"})
