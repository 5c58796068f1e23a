"""Search over HTTP: ``/api/v1/search``, ``/api/v1/search/autocomplete``,
``/api/v1/books/<id>/related`` and the public page ``/search``."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import errors
from ..catalogue import shapes
from ..catalogue.queries import get_book
from ..args import int_arg, raw_arg
from ..db import get_session
from ..inputs import free_text
from ..catalogue.models import Book
from . import autocomplete, related, search
from .lexicon import YEAR_RANGES, Filters
from .query import MAX_QUERY_LENGTH, parse
from .spec import PATHS, SCHEMAS

api = Blueprint("search_api", __name__, url_prefix="/api/v1")
pages = Blueprint("search_pages", __name__)

AUDIENCES = ("children", "teens", "adults", "all")
MAX_PAGE = 500
# Ranking deeper than this costs the server more than any visitor reads.
MAX_RESULTS = 1000
MAX_AUTOCOMPLETE = 20
MAX_RELATED = 24


def _text(name: str, max_length: int) -> str | None:
    value = " ".join(raw_arg(name).split())
    if len(value) > max_length:
        raise errors.BadRequest(
            _l("'%(name)s' is too long (at most %(max_length)s characters).", name=name, max_length=max_length),
        )
    return value or None


def request_filters() -> Filters:
    """The facet filters of the current request, validated."""
    audience = _text("audience", 20)
    if audience is not None and audience not in AUDIENCES:
        raise errors.BadRequest(
            _l("'audience' must be one of %(value)s.", value=', '.join(AUDIENCES)),
        )
    available = raw_arg("available").lower()
    if available not in ("", "1", "0", "true", "false", "yes", "no"):
        raise errors.BadRequest(_l("'available' must be 1 or 0."))
    language = _text("language", 8)
    return Filters(
        audience=audience,
        language=language.lower() if language else None,
        subject=_text("subject", 200),
        available=None if available == "" else available in ("1", "true", "yes"),
        year_from=int_arg("year_from", None, 0, 3000),
        year_to=int_arg("year_to", None, 0, 3000),
    )


def _paging() -> tuple[int, int]:
    config = current_app.config
    page = int_arg("page", 1, 1, MAX_PAGE)
    per_page = int_arg("per_page", config["API_PAGE_SIZE"], 1, config["API_MAX_PAGE_SIZE"])
    if page * per_page > MAX_RESULTS:
        raise errors.BadRequest(
            _l("Only the first %(max_results)s results can be paged through; narrow the search.",
               max_results=MAX_RESULTS),
            max_results=MAX_RESULTS,
        )
    return page, per_page


def load_books(book_ids: list[int]) -> list[Book]:
    """Books by id, in the order given (ids no longer in the database are left out)."""
    if not book_ids:
        return []
    found = get_session().scalars(
        select(Book).where(Book.id.in_(book_ids)).options(selectinload(Book.isbns), selectinload(Book.items))
    ).all()
    by_id = {book.id: book for book in found}
    return [by_id[i] for i in book_ids if i in by_id]


def book_json(book: Book) -> dict:
    body = shapes.book_dict(book, current_app.config["PUBLIC_BASE_URL"])
    body["availability"] = shapes.availability(book)
    return body


def _cover(raw: str | None) -> str | None:
    if raw and raw.startswith("media:"):
        return url_for("media.serve", name=raw.removeprefix("media:"), _external=True)
    return raw


def run_search() -> tuple[dict, list[Book]]:
    parsed = parse(request.args.get("q"))
    filters = request_filters()
    page, per_page = _paging()
    result = search(parsed, filters, page, per_page)
    books = load_books(result.book_ids)
    body = {
        "query": parsed.text,
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "facets": result.facets,
        "suggestion": result.suggestion,
    }
    return body, books


@api.get("/search")
@free_text("q")  # the query parser reads control characters as spaces
def search_api():
    body, books = run_search()
    return jsonify({"items": [book_json(book) for book in books], **body})


@api.get("/search/autocomplete")
@free_text("q")
def autocomplete_api():
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY_LENGTH:
        parse(text)  # raises the same clear 400 as a search
    limit = int_arg("limit", 8, 1, MAX_AUTOCOMPLETE)
    found = autocomplete(text, limit)
    items = [
        {"id": entry["id"], "title": entry["title"], "authors": list(entry["authors"]), "cover_url": _cover(entry["cover_url"])}
        for entry in found
    ]
    return jsonify({"items": items})


@api.get("/books/<int:book_id>/related")
def related_api(book_id: int):
    limit = int_arg("limit", 6, 1, MAX_RELATED)
    get_book(get_session(), book_id)  # a clear 404 for a book that is not there
    books = load_books(related(book_id, limit))
    return jsonify({"items": [book_json(book) for book in books]})


@pages.get("/search")
@free_text("q")
def search_page():
    """The public search page (phones and the library's own computers)."""
    body, books = run_search()
    args = {k: v for k, v in request.args.items() if k not in ("page", "lang") and v}

    def link(**changes) -> str:
        merged = {**args, **changes}
        return url_for(".search_page", **{k: v for k, v in merged.items() if v not in (None, "")})

    pages_count = max(1, min(-(-body["total"] // body["per_page"]), MAX_RESULTS // body["per_page"]))
    return render_template(
        "content_service/search.html",
        result=body,
        books=books,
        availability={book.id: shapes.availability(book) for book in books},
        covers={book.id: shapes.cover_url(book) for book in books},
        args=args,
        link=link,
        pages_count=pages_count,
        year_ranges=YEAR_RANGES,
    )


# "More like this" on the book page phones open: a row of covers, as the kiosk shows.
BOOK_PAGE_RELATED = 6


def book_page_section(session, book: Book) -> tuple[str, dict] | None:
    """The book page's "More like this" (``public.add_book_section``); nothing
    when no other book is alike, or when the index cannot answer (the page
    still shows the book)."""
    try:
        books = load_books(related(book.id, BOOK_PAGE_RELATED))
    except Exception:  # noqa: BLE001 (an index that cannot answer costs the section, never the page)
        current_app.logger.exception("no 'more like this' for book %s", book.id)
        return None
    if not books:
        return None
    return "search/_more_like_this.html", {"books": books, "covers": {b.id: shapes.cover_url(b) for b in books}}


def init_app(app: Flask) -> None:
    from .. import openapi, public

    openapi.register(app, paths=PATHS, schemas=SCHEMAS)
    app.register_blueprint(api)
    app.register_blueprint(pages)
    public.add_book_section(app, book_page_section)
