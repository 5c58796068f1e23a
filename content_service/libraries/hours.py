"""Opening hours (core): the ``OPENING_HOURS`` setting, read once at start-up
and shown where visitors look (the book page on the phone).

- `parse(text)`: ``"mon-fri 08:00-16:00; sat 09:00-14:00; sun closed"`` as one
  `Day` per weekday (a day not named is closed); a bad text is a `ConfigError`
  naming the part that is wrong, so a typo stops the service at start-up
  instead of showing visitors wrong hours.
- `shown(app, session, today)`: the week in the page's language, consecutive
  days with the same hours as one line ("Senin–Jumat: 08.00–16.00 WIB"), and
  today's line: open when, closed, or closed for a holiday (a closed day from
  another part, e.g. circulation's closed days, through `add_closure_source`).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from babel.dates import get_day_names
from flask import Flask, current_app
from flask_babel import format_time, get_locale, gettext

from ..clock import WIB
from ..config import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(r"(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
                   r"(?:(?P<closed>closed|tutup)|(?P<opens>\d{1,2}[:.]\d{2})\s*-\s*(?P<closes>\d{1,2}[:.]\d{2}))")
_KEY = "pindai.opening_hours"
_CLOSURES = "pindai.closure_sources"


@dataclass(frozen=True)
class Day:
    """One weekday's hours (``opens``/``closes`` None: closed all day)."""

    weekday: int  # 0 is Monday
    opens: time | None = None
    closes: time | None = None


def _time(text: str, part: str) -> time:
    hours, minutes = (int(n) for n in re.split(r"[:.]", text))
    if hours > 23 or minutes > 59:
        raise ConfigError(f"OPENING_HOURS: {text!r} in {part!r} is not a time of day (use 08:00)")
    return time(hours, minutes)


def parse(text: str) -> tuple[Day, ...]:
    """Monday to Sunday from the setting's text; empty text is no hours at all (``()``)."""
    if not text.strip():
        return ()
    week = {n: Day(n) for n in range(7)}
    for raw in text.split(";"):
        part = raw.strip().lower()
        if not part:
            continue
        found = _PART.fullmatch(part)
        if not found or found["first"] not in DAYS or (found["last"] or found["first"]) not in DAYS:
            raise ConfigError(f"OPENING_HOURS: {raw.strip()!r} is not 'mon-fri 08:00-16:00' or 'sun closed' "
                              f"(days: {', '.join(DAYS)}; parts separated by ';')")
        first, last = DAYS.index(found["first"]), DAYS.index(found["last"] or found["first"])
        if last < first:
            raise ConfigError(f"OPENING_HOURS: {raw.strip()!r} runs backwards (write mon-fri, not fri-mon)")
        opens = closes = None
        if not found["closed"]:
            opens, closes = _time(found["opens"], raw.strip()), _time(found["closes"], raw.strip())
            if closes <= opens:
                raise ConfigError(f"OPENING_HOURS: {raw.strip()!r} closes before it opens")
        for weekday in range(first, last + 1):
            week[weekday] = Day(weekday, opens, closes)
    return tuple(week[n] for n in range(7))


def add_closure_source(app: Flask, source: Callable) -> None:
    """Another part's closed days: ``source(session, day)`` answers the reason
    (text, possibly empty) when the library is closed that day, else None."""
    app.extensions.setdefault(_CLOSURES, []).append(source)


def _clock(moment: time) -> str:
    return format_time(datetime.combine(date(2000, 1, 3), moment, tzinfo=WIB), "short")


def _hours(day: Day) -> str:
    if day.opens is None or day.closes is None:
        return gettext("Closed")
    return gettext("%(start)s–%(end)s WIB", start=_clock(day.opens), end=_clock(day.closes))


def shown(session, today: date) -> dict | None:
    """The week's hours as lines to show and today's words, in the page's
    language; None when the library has set no hours."""
    week: tuple[Day, ...] = current_app.extensions.get(_KEY, ())
    if not week:
        return None
    names = get_day_names("wide", locale=str(get_locale() or "id"))
    lines: list[dict] = []
    for day in week:
        last = lines[-1] if lines else None
        if last and (last["day"].opens, last["day"].closes) == (day.opens, day.closes):
            last["to"] = day.weekday
        else:
            lines.append({"day": day, "from": day.weekday, "to": day.weekday})
    rows = [{"days": names[line["from"]] if line["from"] == line["to"] else f"{names[line['from']]}–{names[line['to']]}",
             "hours": _hours(line["day"]), "today": line["from"] <= today.weekday() <= line["to"]} for line in lines]
    reason = next((found for source in current_app.extensions.get(_CLOSURES, [])
                   if (found := source(session, today)) is not None), None)
    day = week[today.weekday()]
    if reason is not None:
        words = gettext("Closed today: %(reason)s", reason=reason) if reason else gettext("Closed today")
    elif day.opens is None or day.closes is None:
        words = gettext("Closed today")
    else:
        words = gettext("Open today, %(hours)s", hours=_hours(day))
    return {"rows": rows, "today": words, "closed_today": reason is not None or day.opens is None}


def init_app(app: Flask) -> None:
    """Called by the libraries' ``init_app``: the setting read (and checked) once."""
    app.extensions[_KEY] = parse(str(app.config.get("OPENING_HOURS") or ""))
