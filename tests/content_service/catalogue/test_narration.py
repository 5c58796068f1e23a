"""`GET /api/v1/books/<id>/narration`: a book read aloud by the real espeak-ng,
encoded to Ogg/Opus, stored as media, cached until its text changes."""
from __future__ import annotations

import io
import shutil

import pytest
from sqlalchemy import func, select

from content_service.catalogue.models import Narration
from tests.factories import make_asset, make_book

pytestmark = pytest.mark.skipif(not shutil.which("espeak-ng"),
                                reason="needs espeak-ng (make setup installs it)")

SUMMARY = "Sebelas anak Belitong bersekolah di sebuah SD Muhammadiyah yang hampir ditutup."


def _decoded_seconds(data: bytes) -> tuple[str, float]:
    """The codec and the length of the audio, by decoding every frame (PyAV)."""
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return stream.codec_context.name, samples / stream.codec_context.sample_rate


def _media(client, url: str):
    return client.get(url.replace("http://localhost", ""))


def test_a_book_without_narration_is_read_aloud_and_cached(app, client, session):
    book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], summary=SUMMARY)
    session.commit()
    first = client.get(f"/api/v1/books/{book.id}/narration?lang=id")
    assert first.status_code == 200
    body = first.get_json()
    assert body["source"] == "generated" and body["language"] == "id"
    assert body["media_type"] == "audio/ogg" and body["url"].endswith(".ogg")
    assert body["text"] == f"Laskar Pelangi. Oleh Andrea Hirata. {SUMMARY}"
    audio = _media(client, body["url"])
    assert audio.status_code == 200 and audio.headers["Content-Type"] == "audio/ogg"
    codec, seconds = _decoded_seconds(audio.data)
    assert codec == "opus" and seconds > 3  # real speech, not a blip
    assert body["seconds"] == pytest.approx(seconds, abs=0.1)
    assert len(audio.data) < 8000 * seconds  # small: a kiosk fetches it over the library's network
    # Cached: the same file, and espeak-ng is not needed the second time.
    app.config["NARRATION_ESPEAK"] = "/nonexistent/espeak-ng"
    again = client.get(f"/api/v1/books/{book.id}/narration?lang=id")
    assert again.status_code == 200 and again.get_json()["url"] == body["url"]
    assert session.scalar(select(func.count()).select_from(Narration)) == 1


def test_each_language_has_its_voice_and_a_changed_text_a_new_file(app, client, session):
    book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], summary=SUMMARY)
    session.commit()
    indonesian = client.get(f"/api/v1/books/{book.id}/narration").get_json()  # id by default
    english = client.get(f"/api/v1/books/{book.id}/narration?lang=en").get_json()
    assert indonesian["language"] == "id" and english["language"] == "en"
    assert english["text"].startswith("Laskar Pelangi. By Andrea Hirata.")
    assert english["url"] != indonesian["url"]
    book.summary = "Kisah sepuluh anak Belitong dan guru mereka, Bu Muslimah."
    session.commit()
    changed = client.get(f"/api/v1/books/{book.id}/narration").get_json()
    assert changed["url"] != indonesian["url"] and "Bu Muslimah" in changed["text"]
    assert _media(client, changed["url"]).status_code == 200
    # The replaced file is no longer served: nothing refers to it.
    assert _media(client, indonesian["url"]).status_code == 404
    assert session.scalar(select(func.count()).select_from(Narration)) == 2


def test_the_librarys_own_recording_wins(app, client, session):
    from content_service.media import storage

    book = make_book(session, summary=SUMMARY)
    with app.app_context():
        digest = storage().put(b"an uploaded narration")
    make_asset(session, book, kind="audio", title="Narasi", media_hash=digest, media_type="audio/mpeg",
               url=None, language="id")
    session.commit()
    body = client.get(f"/api/v1/books/{book.id}/narration?lang=id").get_json()
    assert body["source"] == "asset" and body["url"].endswith(digest + ".mp3")
    # Not in English: that one is generated.
    assert client.get(f"/api/v1/books/{book.id}/narration?lang=en").get_json()["source"] == "generated"


def test_refusals_are_clear(app, client, session):
    book = make_book(session, summary=SUMMARY)
    session.commit()
    wrong = client.get(f"/api/v1/books/{book.id}/narration?lang=fr")
    assert wrong.status_code == 400 and "lang" in wrong.get_json()["error"]["message"]
    assert client.get("/api/v1/books/999999/narration").status_code == 404
    app.config["NARRATION_ESPEAK"] = ""
    off = client.get(f"/api/v1/books/{book.id}/narration", headers={"Accept-Language": "id"})
    assert off.status_code == 503
    error = off.get_json()["error"]
    assert error["code"] == "narration_unavailable"
    assert error["message"] == "This book cannot be read aloud right now."
    assert error["message_id"] == "Buku ini tidak dapat dibacakan sekarang."


def test_long_summaries_are_cut_at_a_sentence(app):
    from content_service.catalogue.models import Book
    from content_service.catalogue.narration import MAX_SUMMARY, narration_text

    long = "Kalimat yang cukup panjang untuk dibacakan. " * 100
    text = narration_text(Book(title="Judul", subtitle="Anak Judul", authors=["A", "B"], summary=long), "id")
    assert text.startswith("Judul: Anak Judul. Oleh A, B. Kalimat")
    assert text.endswith("dibacakan.") and len(text) < MAX_SUMMARY + 60
