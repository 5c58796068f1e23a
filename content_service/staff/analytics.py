"""What visitors use: scans per day, top scanned books, plays of extras,
scans per kiosk and per hour of the day; each table also as CSV.

A use is counted once: repeat scans (the same code by the same kiosk or
phone within ``kiosks.REPEAT_WINDOW``, marked ``is_repeat`` when logged) stay
in the log and are left out of every table; the report says how many.

Days and hours are the library's (Batam keeps WIB, UTC+7, all year, so a
fixed offset is exact). The log is read in one grouped pass per UTC hour
(WIB is a whole-hour offset) and the tables are summed from that."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import Response, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .. import errors
from ..args import date_arg, int_arg
from ..catalogue.models import Asset, Book, Item
from ..db import get_session
from ..kiosks import REPEAT_WINDOW
from ..kiosks.models import Kiosk, ScanLog
from ..libraries import all_libraries
from . import scope
from .access import bp, requires
from .models import AssetPlay

TABLES = ("days", "books", "plays", "kiosks", "hours")


@dataclass
class Report:
    start: date
    end: date
    days: list[tuple[str, int, int, int]]  # local day, kiosk scans, phone scans, failed
    books: list[tuple[int, str, int]]
    plays: list[tuple[int, str, str, str, int, int]]  # asset id, kind, title, book, kiosk, phone
    kiosks: list[tuple[str, int]]
    hours: list[int]  # 24 counts
    repeats: int = 0  # successful scans left out as repeats of a use already counted

    @property
    def total(self) -> int:
        return sum(k + p for _, k, p, _f in self.days)


def _utc_hour(column, session: Session):
    """The UTC hour a timestamp falls in, as cheaply as each database can:
    grouping by it lets one pass over the log give days, hours and kiosks."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", func.timezone("UTC", column))
    return func.substr(column, 1, 13)  # SQLite keeps '2026-05-01 17:05:00.000000' (UTC)


def _as_hour(value) -> datetime:
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H")  # noqa: DTZ007 - naive local hour, as the report keys it
    return value.replace(tzinfo=None)


def build_report(session: Session, start: date, end: date, offset: int = 7, library_id: int | None = None) -> Report:
    """Every dashboard table for the local days ``start``..``end`` (inclusive), for
    the whole network or one library: scans at its kiosks and phone scans of its
    copies' labels; plays at its kiosks and on phones."""
    tz = timezone(timedelta(hours=offset))
    since = datetime.combine(start, datetime.min.time(), tz).astimezone(timezone.utc)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tz).astimezone(timezone.utc)
    in_range = (ScanLog.at >= since) & (ScanLog.at < until)
    play_kiosks = None
    if library_id is not None:
        its_kiosks = select(Kiosk.id).where(Kiosk.library_id == library_id)
        its_copies = select(Item.id).where(Item.library_id == library_id)
        in_range = in_range & (ScanLog.kiosk_id.in_(its_kiosks)
                               | (ScanLog.kiosk_id.is_(None) & ScanLog.item_id.in_(its_copies)))
        play_kiosks = its_kiosks
    ok = ScanLog.outcome == "ok"
    shift = timedelta(hours=offset)

    # One pass: counts per (UTC hour, channel, kiosk, ok); the rest is arithmetic here.
    hour = _utc_hour(ScanLog.at, session)
    good = case((ok, 1), else_=0)
    per_day: dict[str, list[int]] = {}
    per_kiosk: dict[int | None, int] = {}
    hours = [0] * 24
    repeats = 0
    for utc_hour, channel, kiosk_id, is_ok, repeat, n in session.execute(
            select(hour, ScanLog.channel, ScanLog.kiosk_id, good, ScanLog.is_repeat, func.count())
            .where(in_range).group_by(hour, ScanLog.channel, ScanLog.kiosk_id, good, ScanLog.is_repeat)):
        local = _as_hour(utc_hour) + shift
        counts = per_day.setdefault(local.date().isoformat(), [0, 0, 0])
        if not is_ok:
            counts[2] += n
            continue
        if repeat:
            repeats += n
            continue
        counts[0 if channel == "kiosk" else 1] += n
        hours[local.hour] += n
        per_kiosk[kiosk_id] = per_kiosk.get(kiosk_id, 0) + n
    days = []
    for d in range((end - start).days + 1):
        key = (start + timedelta(days=d)).isoformat()
        days.append((key, *per_day.get(key, (0, 0, 0))))
    names = dict(session.execute(select(Kiosk.id, Kiosk.name).where(Kiosk.id.in_([k for k in per_kiosk if k]))).all())
    kiosks = sorted(((names.get(k, "") if k else "", n) for k, n in per_kiosk.items()), key=lambda r: (-r[1], r[0]))

    # Top books: count in the log first, then look up ten titles (never a join over the whole log).
    count = func.count().label("n")
    top = session.execute(select(ScanLog.book_id, count).where(in_range, ok, ScanLog.is_repeat.is_(False),
                                                               ScanLog.book_id.is_not(None))
                          .group_by(ScanLog.book_id).order_by(count.desc(), ScanLog.book_id).limit(10)).all()
    titles = dict(session.execute(select(Book.id, Book.title).where(Book.id.in_([b for b, _ in top]))).all())
    books = sorted(((b, titles.get(b, ""), n) for b, n in top), key=lambda r: (-r[2], r[1]))

    play_range = (AssetPlay.at >= since) & (AssetPlay.at < until)
    if play_kiosks is not None:
        play_range = play_range & (AssetPlay.kiosk_id.in_(play_kiosks) | AssetPlay.kiosk_id.is_(None))
    plays_n = func.count(AssetPlay.id)
    plays = [(r[0], r[1], r[2], r[3], int(r[4] or 0), int(r[5] or 0)) for r in session.execute(
        select(Asset.id, Asset.kind, Asset.title, Book.title,
               func.sum(case((AssetPlay.channel == "kiosk", 1), else_=0)),
               func.sum(case((AssetPlay.channel == "phone", 1), else_=0)))
        .join(AssetPlay, AssetPlay.asset_id == Asset.id).join(Book, Asset.book_id == Book.id)
        .where(play_range).group_by(Asset.id, Asset.kind, Asset.title, Book.title)
        .order_by(plays_n.desc(), Asset.title).limit(20))]
    return Report(start, end, days, books, plays, kiosks, hours, repeats)


def bar_chart(labels: list[str], values: list[int], *, title: str, width: int = 720, height: int = 200,
              label_every: int = 1, part: tuple[str, list[int]] | None = None) -> Markup:
    """A small accessible SVG bar chart (rendered here: no script, no CDN).
    ``part`` = (name, values) shades that share of each bar from its foot."""
    top = max(values) if values and max(values) > 0 else 1
    n = max(len(values), 1)
    pad_left, pad_bottom, pad_top = 34, 22, 10
    plot_w, plot_h = width - pad_left - 4, height - pad_bottom - pad_top
    step = plot_w / n
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 4}" y2="{pad_top + plot_h}" stroke="#9ca3af"/>',
             f'<text x="{pad_left - 4}" y="{pad_top + 8}" text-anchor="end" font-size="10">{top}</text>',
             f'<text x="{pad_left - 4}" y="{pad_top + plot_h}" text-anchor="end" font-size="10">0</text>']
    for i, (label, value) in enumerate(zip(labels, values)):
        h = plot_h * value / top
        x = pad_left + i * step + step * 0.12
        parts.append(f'<rect class="bar" data-label="{escape(label)}" data-value="{value}" x="{x:.1f}" '
                     f'y="{pad_top + plot_h - h:.1f}" width="{step * 0.76:.1f}" height="{h:.1f}" fill="#0b6e4f">'
                     f"<title>{escape(label)}: {value}</title></rect>")
        if part and part[1][i]:
            share = plot_h * part[1][i] / top
            parts.append(f'<rect class="part" data-value="{part[1][i]}" x="{x:.1f}" y="{pad_top + plot_h - share:.1f}" '
                         f'width="{step * 0.76:.1f}" height="{share:.1f}" fill="#7dd3b0">'
                         f"<title>{escape(label)}: {escape(part[0])} {part[1][i]}</title></rect>")
        if i % label_every == 0:
            parts.append(f'<text x="{x + step * 0.38:.1f}" y="{height - 6}" text-anchor="middle" font-size="10">'
                         f"{escape(label)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _library():
    """The library the dashboard is for: an account limited to one sees its own;
    network staff choose (``?library=``) or see the whole network."""
    from ..libraries import get_library

    own = scope.staff_library()
    code = request.args.get("library", "").strip()
    if own is not None:
        return get_library(get_session(), own)
    return get_library(get_session(), code) if code else None


def _period() -> tuple[date, date]:
    offset = current_app.config.get("LIBRARY_UTC_OFFSET_HOURS", 7)
    today = datetime.now(timezone(timedelta(hours=offset))).date()
    end = date_arg("end", today)
    days = int_arg("days", 30, 1, 366)
    return end - timedelta(days=days - 1), end


@bp.get("/analytics")
@requires("analytics")
def analytics():
    start, end = _period()
    library = _library()
    report = build_report(get_session(), start, end, current_app.config.get("LIBRARY_UTC_OFFSET_HOURS", 7),
                          library.id if library else None)
    day_chart = bar_chart([d[0][5:] for d in report.days], [d[1] + d[2] for d in report.days],
                          title="Pindaian per hari / Scans per day", label_every=max(1, len(report.days) // 10),
                          part=("ponsel / phones", [d[2] for d in report.days]))
    hour_chart = bar_chart([f"{h:02d}" for h in range(24)], report.hours, title="Pindaian per jam / Scans per hour",
                           height=160, label_every=2)
    return render_template("staff/analytics.html", report=report, day_chart=day_chart, hour_chart=hour_chart,
                           days=(end - start).days + 1, tables=TABLES, library=library,
                           libraries=all_libraries(get_session()) if scope.staff_library() is None else [],
                           repeat_minutes=int(REPEAT_WINDOW.total_seconds() // 60))


def _cell(value):
    # A title such as "=HYPERLINK(...)" must stay text when a spreadsheet opens the file.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/analytics.csv")
@requires("analytics")
def analytics_csv():
    table = request.args.get("table", "days")
    if table not in TABLES:
        raise errors.BadRequest(_l("table must be one of %(value)s.", value=', '.join(TABLES)))
    start, end = _period()
    library = _library()
    report = build_report(get_session(), start, end, current_app.config.get("LIBRARY_UTC_OFFSET_HOURS", 7),
                          library.id if library else None)
    heads = {
        "days": ("day", "kiosk_scans", "phone_scans", "failed_scans"),
        "books": ("book_id", "title", "scans"),
        "plays": ("asset_id", "kind", "title", "book", "kiosk_plays", "phone_plays"),
        "kiosks": ("kiosk", "scans"),
        "hours": ("hour", "scans"),
    }
    rows = list(enumerate(report.hours)) if table == "hours" else getattr(report, table)
    if table == "kiosks":
        rows = [(name or "phone", n) for name, n in rows]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(heads[table])
    writer.writerows([[_cell(v) for v in row] for row in rows])
    name = f"pindai-{table}-{library.code + '-' if library else ''}{start.isoformat()}-{end.isoformat()}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",  # BOM: Excel opens UTF-8 titles correctly
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
