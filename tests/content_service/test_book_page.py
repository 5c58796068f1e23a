"""The book page a phone opens, beyond the book itself: "Buku serupa" (other
books by the author or on the subjects, never the book itself), the next
event about the book, and the library's opening hours in WIB with today's
line (a closed day at the desk says so), in Indonesian and in English."""
from __future__ import annotations

from datetime import timedelta

import pytest

from content_service import create_app
from content_service.circulation import calendar as circulation_calendar
from content_service.config import ConfigError
from content_service.events import schedule
from tests.content_service.events.helpers import make_event
from tests.factories import make_book

HOURS = "mon-fri 08:00-16:00; sat 09:00-14:00; sun closed"


def section(page: str, marker: str) -> str:
    """The HTML of the book page's section with this id."""
    start = page.index(f'id="{marker}"')
    return page[start:page.index("</section>", start)]


def test_more_like_this_lists_other_books_by_the_author_never_the_book(client, session):
    laskar = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], subjects=["Pendidikan"], copies=1)
    make_book(session, title="Sang Pemimpi", authors=["Andrea Hirata"], copies=1)
    make_book(session, title="Edensor", authors=["Andrea Hirata"], copies=1)
    alone = make_book(session, title="Resep Masakan Padang", authors=["Chef Juna"], subjects=["Masakan"], copies=1)
    session.commit()
    page = client.get(f"/books/{laskar.id}").get_data(as_text=True)
    more = section(page, "more-like-this")
    assert "Buku serupa" in more and "Sang Pemimpi" in more and "Edensor" in more
    assert "Laskar Pelangi" not in more and f'href="/books/{laskar.id}"' not in more
    assert 'href="/books/' in more  # each one opens its own page
    assert 'id="more-like-this"' not in client.get(f"/books/{alone.id}").get_data(as_text=True)
    english = client.get(f"/books/{laskar.id}?lang=en").get_data(as_text=True)
    assert "More like this" in section(english, "more-like-this")


def test_the_next_event_about_the_book_with_its_date_in_wib(client, session):
    laskar = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], copies=1)
    other = make_book(session, title="Bumi", authors=["Tere Liye"], copies=1)
    session.commit()
    start = (schedule.local(schedule.now()) + timedelta(days=4)).replace(hour=9, minute=0, second=0, microsecond=0)
    event = make_event(session, title="Diskusi Laskar Pelangi", title_en="Laskar Pelangi book talk", start=start,
                       hours=2, location="Aula", book_ids=[laskar.id], status="published")
    page = client.get(f"/books/{laskar.id}").get_data(as_text=True)
    card = section(page, "book-event")
    assert "Acara di perpustakaan" in card and "Diskusi Laskar Pelangi" in card and "Aula" in card
    assert "pukul 09.00–11.00 WIB" in card
    assert f"/events/{event.id}/{schedule.occurrence_key(event.starts_at)}" in card
    english = section(client.get(f"/books/{laskar.id}?lang=en").get_data(as_text=True), "book-event")
    assert "Laskar Pelangi book talk" in english and "9:00\u202fAM–11:00\u202fAM WIB" in english
    assert 'id="book-event"' not in client.get(f"/books/{other.id}").get_data(as_text=True)


def test_opening_hours_in_both_languages_with_today(make_app, session):
    client = make_app(OPENING_HOURS=HOURS).test_client()
    book = make_book(session, title="Laskar Pelangi", copies=1)
    session.commit()
    hours = section(client.get(f"/books/{book.id}").get_data(as_text=True), "opening-hours")
    assert "Jam buka" in hours
    assert "Senin–Jumat</dt><dd>pukul 08.00–16.00 WIB" in hours.replace(' class="today"', "")
    assert "Sabtu</dt><dd>pukul 09.00–14.00 WIB" in hours.replace(' class="today"', "")
    assert "Minggu</dt><dd>Tutup" in hours.replace(' class="today"', "")
    today = circulation_calendar.local_today()
    expected = "Hari ini tutup" if today.weekday() == 6 else "Hari ini buka, "
    assert expected in hours and hours.count('dt class="today"') == 1
    english = section(client.get(f"/books/{book.id}?lang=en").get_data(as_text=True), "opening-hours")
    assert "Opening hours" in english and "Monday–Friday</dt><dd>8:00\u202fAM–4:00\u202fPM WIB" in \
        english.replace(' class="today"', "")


def test_a_closed_day_at_the_desk_shows_as_closed_today(make_app, session):
    client = make_app(OPENING_HOURS="mon-sun 08:00-16:00").test_client()
    book = make_book(session, title="Laskar Pelangi", copies=1)
    circulation_calendar.add_closed_days(session, [circulation_calendar.local_today()], "Idul Fitri")
    session.commit()
    hours = section(client.get(f"/books/{book.id}").get_data(as_text=True), "opening-hours")
    assert "Hari ini tutup: Idul Fitri" in hours
    assert "Senin–Minggu</dt><dd" in hours


def test_no_hours_set_shows_none(client, session):
    book = make_book(session, title="Laskar Pelangi", copies=1)
    session.commit()
    assert 'id="opening-hours"' not in client.get(f"/books/{book.id}").get_data(as_text=True)


@pytest.mark.parametrize("text", ["mon-fri 8-16", "fri-mon 08:00-16:00", "mon 16:00-08:00", "senin 08:00-16:00",
                                  "mon 25:00-26:00"])
def test_opening_hours_that_do_not_read_stop_the_service_at_start(text, tmp_path):
    with pytest.raises(ConfigError, match="OPENING_HOURS"):
        create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "OPENING_HOURS": text})
