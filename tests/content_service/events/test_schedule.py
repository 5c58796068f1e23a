"""Recurrence in Jakarta time, cancelled dates, and the upcoming list."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from content_service import errors
from content_service.events import calendar, schedule

from .helpers import make_event, wib


def test_weekly_series_runs_at_nine_wib_and_skips_a_cancelled_saturday(session):
    # Saturday 5 December 2026, 09:00 WIB is 02:00 UTC.
    event = make_event(session, start=wib(2026, 12, 5, 9, 0), rrule="RRULE:FREQ=WEEKLY;BYDAY=SA")
    assert event.rrule == "FREQ=WEEKLY;BYDAY=SA"
    cancelled = wib(2026, 12, 19, 9, 0)
    schedule.cancel_date(event, cancelled)
    session.commit()
    session.expire_all()
    dates = schedule.occurrences(event, wib(2026, 12, 1, 0, 0), wib(2027, 1, 10, 0, 0))
    assert [schedule.local(o.start).strftime("%a %d %b %H:%M %z") for o in dates] == [
        "Sat 05 Dec 09:00 +0700", "Sat 12 Dec 09:00 +0700", "Sat 26 Dec 09:00 +0700",
        "Sat 02 Jan 09:00 +0700", "Sat 09 Jan 09:00 +0700",
    ]
    assert dates[0].start == datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc)
    assert dates[0].end - dates[0].start == timedelta(hours=1, minutes=30)
    assert not schedule.is_occurrence(event, cancelled)
    assert schedule.is_occurrence(event, wib(2026, 12, 26, 9, 0))
    assert not schedule.is_occurrence(event, wib(2026, 12, 26, 10, 0))


def test_late_evening_wib_is_the_previous_day_in_utc(session):
    event = make_event(session, start=wib(2026, 12, 7, 6, 30), rrule="FREQ=DAILY;COUNT=3")
    dates = schedule.occurrences(event, wib(2026, 12, 1, 0, 0), wib(2026, 12, 31, 0, 0))
    assert [o.start.isoformat() for o in dates] == [
        "2026-12-06T23:30:00+00:00", "2026-12-07T23:30:00+00:00", "2026-12-08T23:30:00+00:00"]
    assert [schedule.local(o.start).day for o in dates] == [7, 8, 9]


@pytest.mark.parametrize("rule", ["FREQ=HOURLY", "FREQ=WEEKLY;BYDAY=XX", "nonsense", "FREQ=WEEKLY;UNTIL=20270101T000000"])
def test_bad_rules_are_refused_with_a_reason(session, rule):
    with pytest.raises(errors.BadRequest):
        make_event(session, rrule=rule)
    session.rollback()


def test_cancelling_a_date_that_is_not_in_the_series_is_refused(session):
    event = make_event(session, start=wib(2026, 12, 5, 9, 0), rrule="FREQ=WEEKLY")
    with pytest.raises(errors.BadRequest):
        schedule.cancel_date(event, wib(2026, 12, 6, 9, 0))


def test_upcoming_lists_dates_in_order_children_first_in_child_mode(session):
    now = wib(2026, 12, 4, 12, 0)
    talk = make_event(session, title="Diskusi Lingkungan", category="discussion", audience="adults",
                      start=wib(2026, 12, 4, 15, 0))
    story = make_event(session, start=wib(2026, 12, 5, 9, 0), rrule="FREQ=WEEKLY;BYDAY=SA", audience="children")
    make_event(session, title="Draft", start=wib(2026, 12, 4, 16, 0), status="draft")
    make_event(session, title="Past", start=wib(2026, 12, 3, 16, 0))
    found = calendar.upcoming(session, after=now, days=14)
    assert [(o.event.title, schedule.local(o.start).day) for o in found] == [
        ("Diskusi Lingkungan", 4), ("Cerita di Pagi Hari", 5), ("Cerita di Pagi Hari", 12)]
    first = calendar.children_first(found)
    assert [o.event.id for o in first] == [story.id, story.id, talk.id]
    assert [o.event.id for o in calendar.upcoming(session, after=now, days=14, audience="children")] == [story.id] * 2


def test_a_series_starts_on_its_rules_first_date(session):
    # Saturday 12 December 2026 is the second Saturday: "first Saturday monthly" starts on 2 January.
    event = make_event(session, start=wib(2026, 12, 12, 13, 0), hours=2, rrule="FREQ=MONTHLY;BYDAY=1SA")
    assert schedule.local(event.starts_at) == wib(2027, 1, 2, 13, 0)
    assert schedule.local(event.ends_at) == wib(2027, 1, 2, 15, 0)
    with pytest.raises(errors.BadRequest):
        make_event(session, start=wib(2026, 12, 12, 13, 0), rrule="FREQ=WEEKLY;UNTIL=20261201T000000Z")
