"""The demo seed (content_service/demo): programmes, a 3D model and
narrations on top of the books, the same after a second run."""
from __future__ import annotations

import shutil
import struct
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from content_service.catalogue.models import Asset, Book
from content_service.codes.models import Code
from content_service.db import get_session
from content_service.demo import MODEL_TITLE, NARRATION_TITLE, model3d, seed
from content_service.events import schedule
from content_service.events.models import Event, SchoolVisit
from content_service.media import checks, references, storage

HAS_ESPEAK = shutil.which("espeak-ng") is not None


def _counts(session) -> dict:
    return {table.__name__: session.scalar(select(func.count()).select_from(table))
            for table in (Book, Asset, Event, SchoolVisit, Code)}


def _asset(session, control_number: str, kind: str) -> Asset | None:
    return session.scalars(select(Asset).join(Book).where(Book.control_number == control_number,
                                                         Asset.kind == kind)).one_or_none()


def test_seeding_twice_gives_the_same_rows(app):
    with app.app_context():
        session = get_session()
        first = seed(session)
        counts = _counts(session)
        second = seed(session)
        assert _counts(session) == counts
    assert first["events_added"] == 8 and second["events_added"] == 0 and second["events"] == 8
    assert counts["Event"] == 8 and counts["SchoolVisit"] == 1
    assert first["notes"] == ([] if HAS_ESPEAK else first["notes"])


def test_the_sample_programmes(app):
    with app.app_context():
        session = get_session()
        seed(session, with_media=False)
        events = {e.title: e for e in session.scalars(select(Event))}
        stories = events["Cerita di Pagi Hari"]
        start = schedule.local(stories.starts_at)
        assert (start.weekday(), start.hour, start.minute) == (5, 9, 0)
        assert stories.rrule == "FREQ=WEEKLY;BYDAY=SA" and stories.registration_required and stories.capacity == 25
        assert stories.title_en == "Morning Stories" and stories.summary_en
        assert start > schedule.local(schedule.now()) - timedelta(hours=1)  # relative to today, not a fixed date
        assert {e.category for e in events.values()} >= {"storytelling", "class", "discussion", "school_visit",
                                                         "exhibition"}
        discussion = events["Diskusi Buku: Laskar Pelangi"]
        assert [b.title for b in discussion.books] == ["Laskar Pelangi"]
        show = events["Pameran Sejarah Kota Batam"]
        dates = schedule.occurrences(show, schedule.now() - timedelta(days=1), schedule.now() + timedelta(days=30))
        days = [schedule.local(o.start).date() for o in dates]
        assert len(days) == 5 and all(b - a == timedelta(days=1) for a, b in zip(days, days[1:]))


def test_a_second_seed_updates_what_changed(app):
    with app.app_context():
        session = get_session()
        seed(session, with_media=False)
        stories = session.scalars(select(Event).where(Event.title == "Cerita di Pagi Hari")).one()
        start = stories.starts_at
        stories.capacity, stories.title_en = 5, "Changed"
        session.commit()
        seed(session, with_media=False)
        session.refresh(stories)
        assert (stories.capacity, stories.title_en, stories.starts_at) == (25, "Morning Stories", start)
        # A programme whose dates are all past moves to the coming week.
        show = session.scalars(select(Event).where(Event.title == "Pameran Sejarah Kota Batam")).one()
        show.starts_at, show.ends_at = show.starts_at - timedelta(days=60), show.ends_at - timedelta(days=60)
        session.commit()
        seed(session, with_media=False)
        session.refresh(show)
        assert schedule.next_occurrence(show) is not None
        assert session.scalar(select(func.count()).select_from(Event)) == 8


def test_the_3d_model_passes_the_upload_checks_and_is_served(app, client):
    with app.app_context():
        session = get_session()
        seed(session)
        asset = _asset(session, "demo:024", "model3d")
        assert asset is not None and asset.title == MODEL_TITLE and asset.media_type == "model/gltf-binary"
        data = storage().path(asset.media_hash).read_bytes()
        assert checks.check("model3d", data).media_type == "model/gltf-binary"
        book_id = asset.book_id
    page = client.get(f"/api/v1/books/{book_id}").get_json()
    shown = [a for a in page["assets"] if a["kind"] == "model3d"]
    assert len(shown) == 1
    served = client.get(shown[0]["url"].replace("http://localhost", ""))
    assert served.status_code == 200 and served.data == data


def test_the_generated_glb_is_what_the_checks_read():
    data = model3d.book_glb((0.2, 0.5, 0.2, 1.0))
    magic, version, length = struct.unpack_from("<4sII", data)
    assert (magic, version, length) == (b"glTF", 2, len(data))
    from content_service.media.checks.gltf import _Invalid, validate

    validate(data)
    # The checks would catch a broken writer: a cut file, an accessor past its buffer view.
    with pytest.raises(_Invalid, match="header length"):
        validate(data[:-4])
    broken = data.replace(b'"count":108', b'"count":109', 1)  # the cover's indices
    assert broken != data
    with pytest.raises(_Invalid, match="runs past"):
        validate(broken)


@pytest.mark.skipif(not HAS_ESPEAK, reason="needs espeak-ng (make setup installs it)")
def test_narrations_are_audio_extras_made_once(app):
    with app.app_context():
        session = get_session()
        seed(session)
        laskar, timun = _asset(session, "demo:001", "audio"), _asset(session, "demo:020", "audio")
        assert laskar.title == timun.title == NARRATION_TITLE
        assert laskar.language == "id" and laskar.caption.startswith("Laskar Pelangi. Oleh Andrea Hirata.")
        assert checks.check("audio", storage().path(laskar.media_hash).read_bytes()).media_type == "audio/ogg"
        kept = laskar.media_hash
        seed(session)
        assert _asset(session, "demo:001", "audio").media_hash == kept  # not spoken again
        laskar.caption = "Kata-kata lama."  # as if the summary had changed since
        session.commit()
        seed(session)
        fresh = _asset(session, "demo:001", "audio")
        assert fresh.media_hash != kept and fresh.caption.startswith("Laskar Pelangi.")
        assert references.referenced(session, {kept}) == set()  # released: nothing serves the old file


def test_without_espeak_the_seed_notes_it_and_goes_on(make_app):
    app = make_app(NARRATION_ESPEAK="no-such-espeak-ng")
    with app.app_context():
        session = get_session()
        counts = seed(session)
        assert any("espeak-ng" in note for note in counts["notes"])
        assert session.scalar(select(func.count()).where(Asset.kind == "audio")) == 0
        assert _asset(session, "demo:024", "model3d") is not None
        assert counts["events"] == 8


def test_the_kiosk_tests_seed_leaves_programmes_and_extras_out(app):
    with app.app_context():
        session = get_session()
        counts = seed(session, extras=False, programmes=False)
        kinds = set(session.scalars(select(Asset.kind)))
        assert kinds == {"image", "ar_overlay"} and counts["events"] == 0
        assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_open_ebooks_and_online_links_are_seeded_once_and_listed_in_opds(app, client):
    with app.app_context():
        session = get_session()
        seed(session)
        seed(session)  # idempotent: one e-book and one link each
        ebook = _asset(session, "demo:001", "ebook")
        link = _asset(session, "demo:001", "online")
        assert ebook.media_type == "application/epub+zip" and ebook.published
        assert checks.check("ebook", storage().path(ebook.media_hash).read_bytes()).notes == ["chapters:2"]
        assert (link.provider, link.url) == ("iPusnas", "https://ipusnas.id/")
        book_id = ebook.book_id
    page = client.get(f"/books/{book_id}").get_data(as_text=True)
    assert "data-epub=" in page and 'href="https://ipusnas.id/"' in page
    assert b"application/epub+zip" in client.get("/opds/new?kind=ebook").data
