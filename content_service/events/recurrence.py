"""Recurrence as staff choose it on the event form, and in words.

The form offers what a library's programmes need: one date; every day; every
week on some days; every month on the same date or on "the first Saturday";
every N days, weeks or months; never ending, until a date or N times.
``rule_from_form`` turns that choice into the RFC 5545 RRULE that is stored
(the only thing stored: the CLI's ``--rrule`` and imports write the same
column). ``form_values`` goes back, filling the form from a stored rule when
the form gives the same dates again, and None when it cannot (a yearly rule,
a rule from ``flask events create --rrule``): the form then shows that rule as
custom and keeps it unless staff choose to replace it. ``describe`` puts any
rule in the reader's words ("Setiap 2 pekan pada Sabtu dan Minggu")."""
from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any, Protocol

from babel.dates import format_skeleton, get_day_names
from babel.lists import format_list
from dateutil.rrule import rrulestr
from flask_babel import format_date, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from .. import errors
from ..clock import UTC, WIB, local
from ..i18n import clock

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # Python's weekday() order: Senin first
REPEATS = ("none", "daily", "weekly", "monthly")  # "custom" keeps the stored rule
ENDS = ("never", "until", "count")
ORDINALS = {"1": _l("first"), "2": _l("second"), "3": _l("third"), "4": _l("fourth"), "-1": _l("last")}
FREQS = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}
MAX_INTERVAL = 52  # every 52 weeks is a yearly programme
MAX_COUNT = 500
FIELDS = ("repeat", "repeat_every", "repeat_days", "repeat_monthly", "repeat_nth", "repeat_weekday",
          "repeat_end", "repeat_until", "repeat_count")
# The parts ``describe`` can put in words; a rule with any other is shown as it is.
_DESCRIBED = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"}
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")


class Form(Protocol):
    """What the form is read from: a request's form (or a MultiDict)."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[str]: ...


def _bad(message) -> errors.BadRequest:
    return errors.BadRequest(message)


def _parts(rule: str) -> dict[str, str]:
    value = rule.strip().upper().removeprefix("RRULE:")
    return dict(part.split("=", 1) for part in value.split(";") if "=" in part)


def _weekday(start: datetime) -> str:
    return WEEKDAYS[local(start).weekday()]


def _nth(start: datetime) -> str:
    """Which of its weekdays in the month the start is: "1".."4", "-1" for a fifth."""
    day = local(start).day
    return "-1" if day > 28 else str((day - 1) // 7 + 1)


def _until_utc(last: date) -> str:
    """UNTIL for a last date in WIB: the end of that day, in UTC (dateutil
    wants UTC with a zoned start)."""
    return datetime.combine(last, time(23, 59, 59), WIB).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _parse_until(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _whole(raw: str | None, low: int, high: int, message) -> int:
    text = (raw or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise _bad(message)
    return int(text)


def rule_from_form(form: Form, start: datetime, stored: str | None = None) -> str | None:
    """The RRULE for the recurrence chosen on the form (None: one date), or
    ``errors.BadRequest`` saying what to fix. ``stored`` is the event's rule
    so far: "custom" keeps it, and a choice meaning the same dates keeps its
    spelling (``FREQ=WEEKLY`` stays, not ``FREQ=WEEKLY;BYDAY=SA``)."""
    repeat = form.get("repeat") or "none"
    if repeat == "none":
        return None
    if repeat == "custom" and stored:
        return stored
    if repeat not in FREQS:
        raise _bad(_l("Choose how the event repeats."))
    parts = [f"FREQ={FREQS[repeat]}"]
    every = _whole(form.get("repeat_every") or "1", 1, MAX_INTERVAL,
                   _l("Repeat every: give a whole number from 1 to %(max)s.", max=MAX_INTERVAL))
    if every > 1:
        parts.append(f"INTERVAL={every}")
    if repeat == "weekly":
        days = form.getlist("repeat_days")
        if not days:
            raise _bad(_l("Tick at least one day of the week for an event that repeats every week."))
        if set(days) - set(WEEKDAYS):
            raise _bad(_l("Choose how the event repeats."))
        parts.append("BYDAY=" + ",".join(day for day in WEEKDAYS if day in days))
    elif repeat == "monthly":
        how = form.get("repeat_monthly") or "date"
        if how == "date":
            parts.append(f"BYMONTHDAY={local(start).day}")
        elif how == "weekday" and form.get("repeat_nth") in ORDINALS and form.get("repeat_weekday") in WEEKDAYS:
            parts.append(f"BYDAY={form.get('repeat_nth')}{form.get('repeat_weekday')}")
        else:
            raise _bad(_l("Choose how the event repeats."))
    end = form.get("repeat_end") or "never"
    if end == "until":
        try:
            last = date.fromisoformat((form.get("repeat_until") or "").strip())
        except ValueError:
            raise _bad(_l("Give the last date of the repetition (e.g. 2026-12-31).")) from None
        if last <= local(start).date():
            raise _bad(_l("The last date of the repetition must be after the start date."))
        parts.append(f"UNTIL={_until_utc(last)}")
    elif end == "count":
        count = _whole(form.get("repeat_count"), 1, MAX_COUNT,
                       _l("Number of times: give a whole number from 1 to %(max)s.", max=MAX_COUNT))
        parts.append(f"COUNT={count}")
    elif end != "never":
        raise _bad(_l("Choose how the event repeats."))
    rule = ";".join(parts)
    return stored if stored and same_dates(stored, rule, start) else rule


def _normal(rule: str, start: datetime) -> dict[str, Any]:
    """A rule's parts with what dateutil takes from the start written out."""
    parts: dict[str, Any] = _parts(rule)
    parts["INTERVAL"] = int(parts.get("INTERVAL", "1"))
    parts.setdefault("WKST", "MO")
    if parts.get("FREQ") == "WEEKLY" and "BYDAY" not in parts:
        parts["BYDAY"] = _weekday(start)
    if parts.get("FREQ") == "MONTHLY" and "BYDAY" not in parts and "BYMONTHDAY" not in parts:
        parts["BYMONTHDAY"] = str(local(start).day)
    if "BYDAY" in parts:
        parts["BYDAY"] = sorted(part.lstrip("+") for part in parts["BYDAY"].split(","))
    if "COUNT" in parts:
        parts["COUNT"] = int(parts["COUNT"])
    return parts


def same_dates(one: str, other: str, start: datetime) -> bool:
    """Whether two rules give the same dates from ``start``."""
    a, b = _normal(one, start), _normal(other, start)
    until_a, until_b = a.pop("UNTIL", None), b.pop("UNTIL", None)
    if a != b or (until_a is None) != (until_b is None):
        return False
    if until_a is None:
        return True
    # Two UNTILs on the same rule agree when the last date before each is the same.
    ends = [_parse_until(until_a), _parse_until(until_b)]
    if None in ends:
        return until_a == until_b
    base = rrulestr(";".join(f"{k}={v}" for k, v in _parts(one).items() if k != "UNTIL"), dtstart=local(start))
    return len({base.before(end.astimezone(WIB), inc=True) for end in ends if end}) == 1


def defaults(start: datetime | None) -> dict[str, Any]:
    """The recurrence part of a form that repeats nothing yet: the start's
    weekday ticked and chosen, should staff pick weekly or monthly."""
    return {"repeat": "none", "repeat_every": "1", "repeat_days": [_weekday(start)] if start else [],
            "repeat_monthly": "date", "repeat_nth": _nth(start) if start else "1",
            "repeat_weekday": _weekday(start) if start else "MO", "repeat_end": "never", "repeat_until": "",
            "repeat_count": ""}


def form_values(rule: str | None, start: datetime) -> dict[str, Any] | None:
    """The form's recurrence fields for a stored rule, or None when the form
    cannot give the same dates (the rule is then shown as custom)."""
    values = defaults(start)
    if not rule:
        return values
    parts = _parts(rule)
    repeat = {freq: name for name, freq in FREQS.items()}.get(parts.pop("FREQ", ""))
    if repeat is None:
        return None
    values["repeat"] = repeat
    values["repeat_every"] = parts.pop("INTERVAL", "1")
    if parts.get("WKST") == "MO":
        parts.pop("WKST")
    if "COUNT" in parts:
        values.update(repeat_end="count", repeat_count=parts.pop("COUNT"))
    elif "UNTIL" in parts:
        until = _parse_until(parts.pop("UNTIL"))
        if until is None:
            return None
        values.update(repeat_end="until", repeat_until=local(until).date().isoformat())
    if repeat == "weekly":
        values["repeat_days"] = parts.pop("BYDAY", _weekday(start)).split(",")
    elif repeat == "monthly":
        found = _BYDAY.fullmatch(parts.pop("BYDAY", ""))
        if found and found[1]:
            values.update(repeat_monthly="weekday", repeat_nth=found[1].lstrip("+"), repeat_weekday=found[2])
        parts.pop("BYMONTHDAY", None)  # checked below: it must be the start's day
    if parts:
        return None
    try:
        again = rule_from_form(_Values(values), start)
    except errors.BadRequest:
        return None
    return values if again and same_dates(rule, again, start) else None


class _Values(dict):
    """Form values as a form: ``getlist`` for the weekday boxes."""

    def getlist(self, key: str) -> list[str]:
        value = self.get(key)
        return list(value) if isinstance(value, (list, tuple)) else ([value] if value else [])


def _locale() -> str:
    return str(get_locale() or "en")


def day_names() -> list[tuple[str, str]]:
    """(code, name) for Monday to Sunday in the page's language: Senin .. Minggu."""
    names = get_day_names("wide", locale=_locale())
    return [(code, names[index]) for index, code in enumerate(WEEKDAYS)]


def _day_phrase(part: str, names: dict[str, str]) -> str | None:
    found = _BYDAY.fullmatch(part)
    if not found:
        return None
    ordinal = (found[1] or "").lstrip("+")
    if not ordinal:
        return names[found[2]]
    if ordinal not in ORDINALS:
        return None
    # TRANSLATORS: "first Saturday"; Indonesian puts the day first: "Sabtu pertama".
    return gettext("%(ordinal)s %(weekday)s", ordinal=ORDINALS[ordinal], weekday=names[found[2]])


def _words(parts: dict[str, str], start: datetime) -> str | None:
    names = dict(day_names())
    freq, interval = parts.get("FREQ"), parts.get("INTERVAL", "1")
    days = [_day_phrase(part, names) for part in parts.get("BYDAY", "").split(",") if part]
    if None in days or set(parts) - _DESCRIBED or parts.get("WKST", "MO") != "MO" or not interval.isdigit():
        return None
    every = int(interval)
    listed = format_list([day for day in days if day], locale=_locale())
    if freq == "DAILY" and not ({"BYDAY", "BYMONTHDAY", "BYMONTH"} & set(parts)):
        return gettext("Every %(num)s days", num=every) if every > 1 else gettext("Every day")
    if freq == "WEEKLY" and not ({"BYMONTHDAY", "BYMONTH"} & set(parts)):
        listed = listed or names[_weekday(start)]
        if every > 1:
            return gettext("Every %(num)s weeks on %(days)s", num=every, days=listed)
        # TRANSLATORS: "Every Saturday", "Every Monday and Wednesday".
        return gettext("Every %(days)s", days=listed)
    if freq == "MONTHLY" and not ({"BYMONTH"} & set(parts)):
        if "BYDAY" in parts:
            nths = [_BYDAY.fullmatch(part) for part in parts["BYDAY"].split(",")]
            if "BYMONTHDAY" in parts or not all(found and found[1] for found in nths):
                return None  # "every Saturday of the month" and the like: shown as they are
            return (gettext("Every %(num)s months on the %(days)s", num=every, days=listed) if every > 1
                    else gettext("Every month on the %(days)s", days=listed))
        day = parts.get("BYMONTHDAY", str(local(start).day))
        if not day.isdigit():
            return None
        return (gettext("Every %(num)s months on day %(day)s", num=every, day=day) if every > 1
                else gettext("Every month on day %(day)s", day=day))
    if freq == "YEARLY" and "BYDAY" not in parts:
        month, day = parts.get("BYMONTH", str(local(start).month)), parts.get("BYMONTHDAY", str(local(start).day))
        if not (month.isdigit() and day.isdigit()):
            return None
        try:
            when = format_skeleton("MMMMd", date(2000, int(month), int(day)), locale=_locale())
        except ValueError:
            return None
        return (gettext("Every %(num)s years on %(date)s", num=every, date=when) if every > 1
                else gettext("Every year on %(date)s", date=when))
    return None


def describe(rule: str | None, start: datetime, with_time: bool = False) -> str:
    """A rule in the page's language: "Setiap Sabtu, sampai 28 Feb 2027"
    ("Setiap Sabtu, pukul 09.00, sampai 28 Feb 2027" ``with_time``: the time
    it starts in WIB); a rule beyond these words is shown as it is, after
    "Aturan khusus"."""
    if not rule:
        return gettext("One date, no repetition")
    parts = _parts(rule)
    words = _words(parts, start)
    if words is None:
        return gettext("Custom rule: %(rule)s", rule=rule)
    if with_time:
        # TRANSLATORS: "Every Saturday at 9:00 AM"; Indonesian: "Setiap Sabtu, pukul 09.00".
        words = gettext("%(rule)s at %(time)s", rule=words, time=clock(start))
    if parts.get("COUNT", "").isdigit():
        return ngettext("%(rule)s, %(num)d time", "%(rule)s, %(num)d times", int(parts["COUNT"]), rule=words)
    until = _parse_until(parts.get("UNTIL", ""))
    if until is not None:
        return gettext("%(rule)s, until %(date)s", rule=words, date=format_date(local(until).date(), "medium"))
    if "UNTIL" in parts:
        return gettext("Custom rule: %(rule)s", rule=rule)
    return words


def event_words(event) -> str:
    """``describe`` for an event, with the time it starts (a template global)."""
    return describe(event.rrule, event.starts_at, with_time=True)

