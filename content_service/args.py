"""Reading query-string arguments, one way everywhere: each parser returns
the value (or the default when the argument is absent, or empty on a page) and raises
a clear 400 ``bad_request`` naming the argument when it is malformed, never
a 500 and never a silent fallback.

``int_arg`` (a whole number within bounds: pages, years, days),
``limit_arg`` (how many results), ``date_arg`` (an ISO date) and
``choice_arg`` (one of a fixed set of words). ``DatabaseId`` is the URL
converter behind every ``<int:...>``: an id no database row can have (beyond
PostgreSQL's ``integer``) is an ordinary 404, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from datetime import date
from typing import overload

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from . import errors


MAX_ID = 2**31 - 1  # PostgreSQL's integer: the largest id a row can have


class DatabaseId(IntegerConverter):
    """``<int:...>`` for ids: 0 to ``MAX_ID``; beyond that the URL matches no
    route (404) instead of reaching the database (a 500 on PostgreSQL)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Called by the application factory before any blueprint adds a route."""
    app.url_map.converters["int"] = DatabaseId


# Dates a person could mean: beyond these, date arithmetic (a week's end, a
# month's days) overflows Python's date and the databases' ranges differ.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)


def raw_arg(name: str) -> str:
    """The argument's text; absent and empty are the same for pages (an HTML
    form sends its empty fields), but the JSON API's clients build their own
    query strings, and there ``?limit=`` is a mistake worth a clear 400."""
    raw = request.args.get(name)
    if raw is None:
        return ""
    raw = raw.strip()
    if raw == "" and request.path.startswith("/api/"):
        raise errors.BadRequest(_l("'%(name)s' was sent empty: give a value or leave it out.", name=name))
    return raw


@overload
def int_arg(name: str, default: int, low: int, high: int) -> int: ...
@overload
def int_arg(name: str, default: None, low: int, high: int) -> int | None: ...
def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """A whole-number query parameter within bounds, or a clear 400."""
    raw = raw_arg(name)
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.BadRequest(
            _l("'%(name)s' must be a whole number.", name=name)
        ) from None
    if not low <= value <= high:
        raise errors.BadRequest(
            _l("'%(name)s' must be between %(low)s and %(high)s.", name=name, low=low, high=high),
        )
    return value


def limit_arg(default: int, high: int) -> int:
    """``?limit=``: how many results, 1 to ``high``."""
    return int_arg("limit", default, 1, high)


@overload
def date_arg(name: str, default: date) -> date: ...
@overload
def date_arg(name: str, default: None = None) -> date | None: ...
def date_arg(name: str, default: date | None = None) -> date | None:
    """An ISO date (``2026-12-07``), or a clear 400."""
    raw = raw_arg(name)
    if raw == "":
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise errors.BadRequest(_l("'%(name)s' must be a date such as 2026-12-07.", name=name)) from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise errors.BadRequest(_l("'%(name)s' must be a date between %(low)s and %(high)s.", name=name,
                                   low=FIRST_DATE.isoformat(), high=LAST_DATE.isoformat()))
    return value


def choice_arg(name: str, allowed: tuple[str, ...]) -> str | None:
    """One of ``allowed``, or None when absent; anything else is a clear 400."""
    value = raw_arg(name) or None
    if value is not None and value not in allowed:
        raise errors.BadRequest(_l("'%(name)s' must be one of %(value)s.", name=name, value=', '.join(allowed)))
    return value
