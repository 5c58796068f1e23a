"""The visitor book and the IPLM figures in the staff portal.

- ``/staff/visitors``: who signed the book on a day (members by "anggota",
  guests by name and institution; repeats within the hour marked), per library.
- ``/staff/visitors/iplm``: the figures Perpusnas's library development index
  asks for over a span of days (``report.figures``), on the page and as CSV
  (``/staff/visitors/iplm.csv``: one row per day, then the totals).

Every role that may read the analytics may read these; a staff account
limited to one library sees that library's figures."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import errors
from ..args import date_arg
from ..clock import local_today
from ..db import get_session
from ..libraries import all_libraries, get_library
from ..staff import access, scope
from . import book, report
from .models import Visit

bp = Blueprint("visitors_staff", __name__, url_prefix="/staff/visitors")
MAX_DAYS = 366


access.guard(bp, "analytics")  # visitors' names


def _library():
    """The library asked for (``?library=``), or the staff account's own; None: the whole network."""
    own = scope.staff_library()
    asked = request.args.get("library", "").strip()
    if own is not None:
        return get_library(get_session(), own)
    return get_library(get_session(), asked) if asked else None


def _span():
    today = local_today()
    last = date_arg("to", today)
    first = date_arg("from", last.replace(day=1))
    if first > last:
        raise errors.BadRequest(_l("The first day comes after the last."))
    if (last - first).days >= MAX_DAYS:
        raise errors.BadRequest(_l("Choose at most %(num)s days.", num=MAX_DAYS))
    return first, last


@bp.get("")
def visitors():
    session = get_session()
    day = date_arg("day", local_today())
    library = _library()
    start, end = book.day_bounds(day, day)
    query = select(Visit).where(Visit.at >= start, Visit.at < end).order_by(Visit.at.desc())
    if library is not None:
        query = query.where(Visit.library_id == library.id)
    rows = session.scalars(query).all()
    return render_template("visitors/staff/visitors.html", rows=rows, day=day, library=library,
                           libraries=all_libraries(session), own=scope.staff_library(),
                           counted=sum(1 for row in rows if not row.is_repeat),
                           previous=day - timedelta(days=1), next=day + timedelta(days=1))


@bp.get("/iplm")
def iplm():
    session = get_session()
    first, last = _span()
    library = _library()
    found = report.figures(session, first, last, library.id if library else None)
    return render_template("visitors/staff/iplm.html", figures=found, library=library,
                           libraries=all_libraries(session), own=scope.staff_library())


CSV_COLUMNS = ("date", "visits", "loans", "book_scans", "event_participants")


@bp.get("/iplm.csv")
def iplm_csv():
    session = get_session()
    first, last = _span()
    library = _library()
    found = report.figures(session, first, last, library.id if library else None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for day in found.days:
        writer.writerow((day["date"].isoformat(), day["visits"], day["loans"], day["scans"], day["participants"]))
    totals = found.totals
    writer.writerow(("total", totals["visits"], totals["loans"], totals["scans"], totals["participants"]))
    writer.writerow(())
    for key in ("visits_members", "visits_guests", "days_visited", "visits_per_day", "members", "members_new",
                "members_active", "participants_attended", "titles", "copies"):
        writer.writerow((key, totals[key]))
    for group, count in sorted(totals["visits_by_group"].items()):
        writer.writerow((f"visits_{group}", count))
    where = library.code if library else "network"
    name = f"pindai-iplm-{where}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",  # BOM: Excel opens it as UTF-8
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def init_app(app) -> None:
    entry = ("visitors_staff.visitors", _l("Visitors"), "analytics")
    if entry not in access.NAV:
        access.NAV.append(entry)
    app.register_blueprint(bp)
