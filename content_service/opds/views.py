"""The OPDS catalogue's addresses: ``/opds`` (OPDS 1.2, Atom) and
``/opds/v2`` (OPDS 2.0, JSON), each a navigation root, the newest
e-resources under facets, navigation by subject, and search (an OpenSearch
description for Atom readers, a templated link for OPDS 2.0 ones). Reading
apps (Thorium, KOReader, Aldiko, Palace) are given ``/opds``."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import errors
from ..args import choice_arg, int_arg, raw_arg
from ..db import get_session
from ..i18n import label
from ..inputs import free_text
from ..libraries import default_library
from . import atom, catalog, links, v2

bp = Blueprint("opds", __name__, url_prefix="/opds")
MAX_PAGE = 10_000


def _facets() -> catalog.Facets:
    language, subject = raw_arg("language") or None, raw_arg("subject") or None
    if (language and len(language) > 8) or (subject and len(subject) > 200):
        raise errors.BadRequest(_l("That facet is not one of this catalogue's."))
    return catalog.Facets(kind=choice_arg("kind", catalog.KINDS), language=language, subject=subject)


def _paging() -> tuple[int, int]:
    return int_arg("page", 1, 1, MAX_PAGE), int_arg("per_page", catalog.PER_PAGE, 1, catalog.MAX_PER_PAGE)


def _query(name: str) -> str:
    text = " ".join((request.args.get(name) or "").split())[:200]
    if not text:
        raise errors.BadRequest(_l("Type what to search for ('%(name)s').", name=name))
    return text


def _library() -> tuple[str, str]:
    return default_library(get_session()).name, url_for("public.home", _external=True)


def _title() -> str:
    return _("E-books and online resources of %(library)s", library=_library()[0])


KIND_WORDS = {"ebook": _l("Open e-books"), "online": _l("Online resources")}


def facet_groups(endpoint: str, facets: catalog.Facets, page: catalog.Page, **extra) -> list[dict]:
    """The facets of a feed as groups of links, each with its count and whether it is active."""
    def href(**change) -> str:
        return url_for(endpoint, **{**facets.changed(**change).args(), **extra}, _external=True)

    groups = []
    options = [(kind, str(KIND_WORDS[kind]), page.counts["kind"][kind]) for kind in catalog.KINDS
               if page.counts["kind"][kind]]
    languages = [(code, label("lang", code), count) for code, count in page.counts["language"].most_common()]
    subjects = [(name, name, count) for name, count in page.counts["subject"].most_common(catalog.TOP_SUBJECTS)]
    for group, title, values, current in (("kind", _("Kind"), options, facets.kind),
                                          ("language", _("Language"), languages, facets.language),
                                          ("subject", _("Subject"), subjects, facets.subject)):
        if not values and current is None:
            continue
        items = [{"title": _("All"), "href": href(**{group: None}), "count": None, "active": current is None}]
        items += [{"title": words, "href": href(**{group: value}), "count": count, "active": current == value}
                  for value, words, count in values]
        if current is not None and current not in [value for value, _w, _c in values]:
            items.append({"title": current, "href": href(**{group: current}), "count": 0, "active": True})
        groups.append({"group": title, "items": items})
    return groups


def paging_links(endpoint: str, page: catalog.Page, type: str, **args) -> list[dict]:
    if page.per_page != catalog.PER_PAGE:
        args["per_page"] = page.per_page

    def href(number: int) -> str:
        return url_for(endpoint, **args, page=number, _external=True)

    found = [{"rel": "first", "href": href(1), "type": type}]
    if page.page > 1:
        found.append({"rel": "previous", "href": href(min(page.page - 1, page.last)), "type": type})
    if page.page < page.last:
        found.append({"rel": "next", "href": href(page.page + 1), "type": type})
    found.append({"rel": "last", "href": href(page.last), "type": type})
    return found


# --- OPDS 1.2 (Atom) ----------------------------------------------------------

def _atom_links(self_href: str, kind: str) -> list[dict]:
    return [{"rel": "self", "href": self_href, "type": links.NAVIGATION if kind == "navigation" else links.ACQUISITION},
            {"rel": "start", "href": url_for(".root", _external=True), "type": links.NAVIGATION},
            {"rel": "search", "href": url_for(".opensearch", _external=True), "type": links.OPENSEARCH},
            {"rel": "alternate", "href": url_for(".v2_root", _external=True), "type": links.OPDS_JSON}]


@bp.get("")
def root():
    """The catalogue root: a navigation feed."""
    session = get_session()
    everything = catalog.publications(session, catalog.Facets(), 1, 1)
    updated = links.iso(everything.updated)
    root = atom.feed(url_for(".root", _external=True), _title(), updated, _library(),
                     _atom_links(url_for(".root", _external=True), "navigation"))
    atom.navigation_entry(root, "urn:pindai:opds:new", _("Newest"), url_for(".new", _external=True), links.ACQUISITION,
                          updated, _("The e-books and online resources added last."), rel=links.SORT_NEW,
                          count=everything.total)
    for kind in catalog.KINDS:
        if everything.counts["kind"][kind]:
            atom.navigation_entry(root, f"urn:pindai:opds:{kind}", str(KIND_WORDS[kind]),
                                  url_for(".new", kind=kind, _external=True), links.ACQUISITION, updated,
                                  _("Open e-books to download and read in this app.") if kind == "ebook"
                                  else _("Titles the library lends on other services (iPusnas, e-journals, databases)."),
                                  count=everything.counts["kind"][kind])
    atom.navigation_entry(root, "urn:pindai:opds:subjects", _("By subject"), url_for(".subjects", _external=True),
                          links.NAVIGATION, updated, _("Browse the e-resources by subject."))
    return atom.respond(root, "navigation")


@bp.get("/subjects")
def subjects():
    session = get_session()
    updated = links.iso(catalog.publications(session, catalog.Facets(), 1, 1).updated)
    here = url_for(".subjects", _external=True)
    root = atom.feed(here, _("By subject"), updated, _library(), [
        *_atom_links(here, "navigation"), {"rel": "up", "href": url_for(".root", _external=True), "type": links.NAVIGATION}])
    for number, (name, count) in enumerate(catalog.subjects(session), start=1):
        atom.navigation_entry(root, f"urn:pindai:opds:subject:{number}", name,
                              url_for(".new", subject=name, _external=True), links.ACQUISITION, updated,
                              _("%(count)s titles", count=count), count=count)
    return atom.respond(root, "navigation")


def _acquisition(endpoint: str, title: str, page: catalog.Page, facets: catalog.Facets, **extra):
    here = url_for(endpoint, **facets.args(), **extra, page=page.page, _external=True)
    root = atom.feed(here, title, links.iso(page.updated), _library(), [
        *_atom_links(here, "acquisition"), {"rel": "up", "href": url_for(".root", _external=True), "type": links.NAVIGATION},
        *paging_links(endpoint, page, links.ACQUISITION, **facets.args(), **extra)])
    atom.totals(root, page.total, page.per_page, page.page)
    for group in facet_groups(endpoint, facets, page, **extra):
        for item in group["items"]:
            atom.facet_link(root, item["href"], item["title"], group["group"], item["count"], item["active"])
    for book in page.books:
        atom.publication_entry(root, book)
    return atom.respond(root, "acquisition")


@bp.get("/new")
def new():
    """The newest e-resources, narrowed by ``kind``, ``language`` and ``subject``."""
    facets, (number, per_page) = _facets(), _paging()
    page = catalog.publications(get_session(), facets, number, per_page)
    return _acquisition(".new", _("Newest"), page, facets)


@bp.get("/search")
@free_text("q")
def search():
    """Search results (the OpenSearch template's ``{searchTerms}`` is ``q``)."""
    text, facets, (number, per_page) = _query("q"), _facets(), _paging()
    session = get_session()
    page = catalog.publications(session, facets, number, per_page, only=catalog.search_ids(session, text))
    return _acquisition(".search", _("Search: %(text)s", text=text), page, facets, q=text)


@bp.get("/opensearch.xml")
def opensearch():
    template = url_for(".search", _external=True) + "?q={searchTerms}"
    return atom.opensearch("Pindai", _title(), template)


# --- OPDS 2.0 (JSON) ------------------------------------------------------------

def _v2_links() -> list[dict]:
    return [v2.link(url_for(".v2_root", _external=True), links.OPDS_JSON, "start"),
            v2.link(url_for(".v2_search", _external=True) + "{?query}", links.OPDS_JSON, "search", templated=True),
            v2.link(url_for(".root", _external=True), links.NAVIGATION, "alternate")]


@bp.get("/v2")
def v2_root():
    session = get_session()
    everything = catalog.publications(session, catalog.Facets(), 1, 1)
    navigation = [v2.link(url_for(".v2_new", _external=True), links.OPDS_JSON, links.SORT_NEW, _("Newest"),
                          properties={"numberOfItems": everything.total})]
    navigation += [v2.link(url_for(".v2_new", kind=kind, _external=True), links.OPDS_JSON, "subsection",
                           str(KIND_WORDS[kind]), properties={"numberOfItems": everything.counts["kind"][kind]})
                   for kind in catalog.KINDS if everything.counts["kind"][kind]]
    navigation.append(v2.link(url_for(".v2_subjects", _external=True), links.OPDS_JSON, "subsection", _("By subject")))
    return v2.respond(v2.feed(_title(), url_for(".v2_root", _external=True), _v2_links(), navigation=navigation))


@bp.get("/v2/subjects")
def v2_subjects():
    navigation = [v2.link(url_for(".v2_new", subject=name, _external=True), links.OPDS_JSON, "subsection", name,
                          properties={"numberOfItems": count}) for name, count in catalog.subjects(get_session())]
    navigation = navigation or [v2.link(url_for(".v2_root", _external=True), links.OPDS_JSON, "start", _title())]
    return v2.respond(v2.feed(_("By subject"), url_for(".v2_subjects", _external=True), _v2_links(),
                              navigation=navigation))


def _v2_publications(endpoint: str, title: str, page: catalog.Page, facets: catalog.Facets, **extra):
    here = url_for(endpoint, **facets.args(), **extra, page=page.page, _external=True)
    facet_list = [{"metadata": {"title": group["group"]}, "links": [
        v2.link(item["href"], links.OPDS_JSON, "self" if item["active"] else None, item["title"],
                properties={"numberOfItems": item["count"]} if item["count"] is not None else None)
        for item in group["items"]]} for group in facet_groups(endpoint, facets, page, **extra)]
    publications = [v2.publication(book) for book in page.books]
    # A feed with nothing in it still needs one collection: the way back to the start.
    navigation = [] if publications else [v2.link(url_for(".v2_root", _external=True), links.OPDS_JSON, "start",
                                                   _title())]
    return v2.respond(v2.feed(
        title, here, [*_v2_links(), *(v2.link(p["href"], links.OPDS_JSON, p["rel"]) for p in paging_links(
            endpoint, page, links.OPDS_JSON, **facets.args(), **extra))],
        metadata={"numberOfItems": page.total, "itemsPerPage": page.per_page, "currentPage": page.page},
        publications=publications, facets=facet_list, navigation=navigation))


@bp.get("/v2/new")
def v2_new():
    facets, (number, per_page) = _facets(), _paging()
    return _v2_publications(".v2_new", _("Newest"), catalog.publications(get_session(), facets, number, per_page), facets)


@bp.get("/v2/search")
@free_text("query")
def v2_search():
    text, facets, (number, per_page) = _query("query"), _facets(), _paging()
    session = get_session()
    page = catalog.publications(session, facets, number, per_page, only=catalog.search_ids(session, text))
    return _v2_publications(".v2_search", _("Search: %(text)s", text=text), page, facets, query=text)
