"""The event form's repetition, through the staff portal: what staff choose
becomes the stored RRULE and the dates visitors see; refusals keep what was
typed; a rule the form cannot show (imported, or ``--rrule`` at the command
line) is kept unless staff replace it."""
from __future__ import annotations

import calendar as months
import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from content_service.events import schedule
from content_service.events.models import Event
from tests.content_service.staff.conftest import make_staff, staff_client  # noqa: F401 (fixtures)

from .helpers import make_event, wib


@pytest.fixture
def librarian(staff_client):
    return staff_client("librarian")


def _saturday(weeks_ahead: int) -> date:
    today = schedule.local(schedule.now()).date()
    return today + timedelta(days=(5 - today.weekday()) % 7 + 7 * weeks_ahead)


def _form(token: str, day: date, **repeat) -> dict:
    return {"csrf_token": token, "title": "Cerita di Pagi Hari", "category": "storytelling", "audience": "children",
            "location": "Ruang Anak", "status": "published", "start": f"{day}T09:00", "end": f"{day}T10:30",
            **repeat}


def _the_event(session) -> Event:
    session.rollback()  # a fresh snapshot of what the requests wrote
    session.expire_all()
    return session.scalars(select(Event)).one()


class _FormValues(HTMLParser):
    """What a browser sends for the page's event form as it is shown."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "on")))
            else:
                self.values.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a["value"]))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            self.values[-1] = (self._textarea, self.values[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _as_shown(html: str) -> list[tuple[str, str]]:
    parser = _FormValues()
    parser.feed(html[html.index('<form method="post" class="card grid event-form"'):])
    return parser.values


def _send(shown: list[tuple[str, str]], *added: tuple[str, str], without: tuple[str, ...] = ()) -> MultiDict:
    """The form as shown, ``without`` some fields and with ``added`` values
    (a field in ``added`` replaces its shown values)."""
    replaced = {name for name, _value in added} | set(without)
    return MultiDict([*((k, v) for k, v in shown if k not in replaced), *added])


def test_weekly_on_saturday_and_sunday_every_two_weeks_until_a_date(client, session, librarian):
    staff, token = librarian
    first = _saturday(1)
    last = first + timedelta(days=28)  # a Saturday: the series' fifth date
    saved = staff.post("/staff/events/new", data=_form(
        token, first, repeat="weekly", repeat_days=["SA", "SU"], repeat_every="2", repeat_end="until",
        repeat_until=str(last)))
    assert saved.status_code == 303, saved.get_data(as_text=True)[-2000:]
    event = _the_event(session)
    until = datetime.combine(last, time(23, 59, 59), schedule.WIB).astimezone(schedule.UTC)
    assert event.rrule == f"FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;UNTIL={until:%Y%m%dT%H%M%SZ}"
    expected = [schedule.occurrence_key(datetime.combine(first + timedelta(days=n), time(9), schedule.WIB))
                for n in (0, 1, 14, 15, 28)]
    # What visitors see: the weekly pages list exactly these dates, and no others exist.
    monday = first - timedelta(days=5)
    shown = []
    for week in (monday, monday + timedelta(days=28), monday + timedelta(days=56)):
        page = client.get(f"/events?week={week}").get_data(as_text=True)
        shown += re.findall(rf'href="/events/{event.id}/(\d{{8}}T\d{{6}}Z)"', page)
    assert shown == expected
    for off in (7, 8, 29, 42):
        key = schedule.occurrence_key(datetime.combine(first + timedelta(days=off), time(9), schedule.WIB))
        assert client.get(f"/events/{event.id}/{key}").status_code == 404
    words = client.get(f"/events/{event.id}/{expected[0]}").get_data(as_text=True)
    assert "Setiap 2 pekan pada Sabtu dan Minggu, pukul 09.00, sampai " in words and "FREQ=" not in words
    assert "Setiap 2 pekan pada Sabtu dan Minggu" in staff.get("/staff/events").get_data(as_text=True)
    # Editing fills the form back from the rule.
    edit = staff.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert dict(_as_shown(edit))["repeat"] == "weekly"
    assert [v for k, v in _as_shown(edit) if k == "repeat_days"] == ["SA", "SU"]
    assert ("repeat_every", "2") in _as_shown(edit) and ("repeat_until", str(last)) in _as_shown(edit)
    assert "Tersimpan saat ini: Setiap 2 pekan pada Sabtu dan Minggu, pukul 09.00, sampai" in edit


def test_monthly_on_the_first_saturday_then_the_last(session, librarian):
    staff, token = librarian
    start = schedule.local(schedule.now()).date() + timedelta(days=3)
    saved = staff.post("/staff/events/new", data=_form(
        token, start, repeat="monthly", repeat_monthly="weekday", repeat_nth="1", repeat_weekday="SA",
        repeat_every="1", repeat_end="never"))
    assert saved.status_code == 303
    event = _the_event(session)
    assert event.rrule == "FREQ=MONTHLY;BYDAY=1SA"
    after = schedule.now()
    dates = [schedule.local(o.start) for o in schedule.occurrences(event, after, after + timedelta(days=100))]
    assert len(dates) >= 3 and all(d.weekday() == 5 and d.day <= 7 and d.hour == 9 for d in dates)
    assert "Setiap bulan pada Sabtu pertama" in staff.get("/staff/events").get_data(as_text=True)
    shown = _as_shown(staff.get(f"/staff/events/{event.id}/edit").get_data(as_text=True))
    assert {("repeat", "monthly"), ("repeat_monthly", "weekday"), ("repeat_nth", "1"), ("repeat_weekday", "SA")} <= set(shown)
    # The same series on the last Saturday instead.
    again = staff.post(f"/staff/events/{event.id}/edit", data=_send(shown, ("repeat_nth", "-1")))
    assert again.status_code == 303
    event = _the_event(session)
    assert event.rrule == "FREQ=MONTHLY;BYDAY=-1SA"
    for d in (schedule.local(o.start) for o in schedule.occurrences(event, after, after + timedelta(days=100))):
        assert d.weekday() == 5 and d.day + 7 > months.monthrange(d.year, d.month)[1]
    assert "Setiap bulan pada Sabtu terakhir" in staff.get("/staff/events").get_data(as_text=True)


def test_every_day_five_times(session, librarian):
    staff, token = librarian
    start = schedule.local(schedule.now()).date() + timedelta(days=2)
    assert staff.post("/staff/events/new", data=_form(
        token, start, repeat="daily", repeat_every="1", repeat_end="count", repeat_count="5")).status_code == 303
    event = _the_event(session)
    assert event.rrule == "FREQ=DAILY;COUNT=5"
    found = schedule.occurrences(event, schedule.now(), schedule.now() + timedelta(days=30))
    assert [schedule.local(o.start).date() for o in found] == [start + timedelta(days=n) for n in range(5)]
    assert "Setiap hari, pukul 09.00, sebanyak 5 kali" in staff.get("/staff/events").get_data(as_text=True)


BAD = [
    ({"repeat": "weekly", "repeat_every": "1"}, "Centang paling sedikit satu hari untuk acara yang berulang setiap pekan."),
    ({"repeat": "weekly", "repeat_days": ["SA", "XX"]}, "Pilih cara acara ini berulang."),
    ({"repeat": "daily", "repeat_end": "until", "repeat_until": "START"},
     "Tanggal terakhir pengulangan harus sesudah tanggal mulai."),
    ({"repeat": "daily", "repeat_end": "until", "repeat_until": "besok"}, "Isi tanggal terakhir pengulangan"),
    ({"repeat": "daily", "repeat_end": "count", "repeat_count": "0"},
     "Jumlah kali: isi bilangan bulat dari 1 sampai 500."),
    ({"repeat": "daily", "repeat_end": "count", "repeat_count": "501"},
     "Jumlah kali: isi bilangan bulat dari 1 sampai 500."),
    ({"repeat": "weekly", "repeat_days": ["SA"], "repeat_every": "53"},
     "Ulangi setiap: isi bilangan bulat dari 1 sampai 52."),
    ({"repeat": "daily", "repeat_every": "dua"}, "Ulangi setiap: isi bilangan bulat dari 1 sampai 52."),
    ({"repeat": "monthly", "repeat_monthly": "weekday", "repeat_nth": "5", "repeat_weekday": "SA"},
     "Pilih cara acara ini berulang."),
    ({"repeat": "custom"}, "Pilih cara acara ini berulang."),  # a new event has no rule to keep
    ({"repeat": "daily", "repeat_end": "sometimes"}, "Pilih cara acara ini berulang."),
]


@pytest.mark.parametrize(("repeat", "message"), BAD)
def test_bad_repetitions_are_a_400_that_keeps_what_was_typed(session, librarian, repeat, message):
    staff, token = librarian
    start = _saturday(2)
    repeat = {k: (str(start) if v == "START" else v) for k, v in repeat.items()}
    answer = staff.post("/staff/events/new", data=_form(token, start, **repeat))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'role="alert"' in html
    assert message in html
    shown = _as_shown(html)
    assert ("title", "Cerita di Pagi Hari") in shown and ("start", f"{start}T09:00") in shown
    for name, value in repeat.items():
        for one in value if isinstance(value, list) else [value]:
            offered = f'name="{name}" value="{one}"' in html or f'<option value="{one}"' in html
            if offered or name in ("repeat_every", "repeat_count", "repeat_until"):  # not "XX", not "custom"
                assert (name, one) in shown, (name, one)
    assert session.scalar(select(func.count(Event.id))) == 0


def test_a_custom_rule_is_kept_unless_replaced(session, librarian):
    staff, token = librarian
    event = make_event(session, start=wib(schedule.local(schedule.now()).year + 1, 8, 17, 8, 0),
                       rrule="FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=17", title="Lomba 17 Agustus")
    edit = staff.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert "Pertahankan aturan khusus" in edit and "<code>FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=17</code>" in edit
    assert "Setiap tahun pada 17 Agustus" in edit
    shown = _as_shown(edit)
    assert ("repeat", "custom") in shown
    # Saved as shown, with another title: the rule stays as it was.
    saved = staff.post(f"/staff/events/{event.id}/edit", data=_send(shown, ("title", "Lomba Agustusan")))
    assert saved.status_code == 303
    event = _the_event(session)
    assert (event.title, event.rrule) == ("Lomba Agustusan", "FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=17")
    # A refusal of another field shows the custom rule again, still chosen.
    refused = staff.post(f"/staff/events/{event.id}/edit", data=_send(shown, ("capacity", "banyak")))
    assert refused.status_code == 400 and ("repeat", "custom") in _as_shown(refused.get_data(as_text=True))
    assert "<code>FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=17</code>" in refused.get_data(as_text=True)
    # Choosing another repetition replaces it.
    assert staff.post(f"/staff/events/{event.id}/edit", data=_send(
        shown, ("repeat", "weekly"), ("repeat_days", "SA"))).status_code == 303
    assert _the_event(session).rrule == "FREQ=WEEKLY;BYDAY=SA"


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;COUNT=8;BYDAY=WE", "FREQ=WEEKLY", "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR"])
def test_a_rule_made_at_the_command_line_is_saved_unchanged(session, librarian, rule):
    staff, _token = librarian
    event = make_event(session, start=wib(schedule.local(schedule.now()).year + 1, 1, 1, 15, 0), rrule=rule)
    stored = event.rrule
    edit = staff.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    if "BYSETPOS" in rule:  # beyond the form's words: shown as it is
        assert f"Aturan khusus: {rule}" in edit and ("repeat", "custom") in _as_shown(edit)
    else:
        assert ("repeat", "weekly") in _as_shown(edit)
    assert staff.post(f"/staff/events/{event.id}/edit", data=_send(_as_shown(edit))).status_code == 303
    assert _the_event(session).rrule == stored


def test_the_form_has_no_rrule_box_and_no_inline_script(librarian):
    staff, _token = librarian
    page = staff.get("/staff/events/new").get_data(as_text=True)
    assert 'name="rrule"' not in page and "RRULE" not in page and "FREQ=" not in page
    assert re.findall(r'name="repeat_days" value="(\w\w)"', page) == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    days = page[page.index('name="repeat_days" value="MO"'):]
    assert days.index("Senin") < days.index("Selasa") < days.index("Sabtu") < days.index("Minggu")
    for label in ("Tidak berulang (satu tanggal)", "Setiap hari", "Setiap pekan pada", "Setiap bulan",
                  "Tidak berakhir", "pertama", "terakhir"):
        assert label in page
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))
    assert "/static/staff/recurrence.js" in page
