"""A book read aloud when the library recorded no narration of its own.

Kiosk Chromium on Debian has no speech voices (the Web Speech API speaks
nothing without speech-dispatcher), so "Bacakan" needs an audio file. The
service makes one with espeak-ng (its Indonesian ``id`` and English ``en``
voices): the title, the authors and the summary, encoded as Ogg/Opus (about
3 KB a second of speech), checked like any uploaded audio, stored in the
media store and kept in the ``narration`` table per book and language.
A change of the text (a corrected title or a new summary) makes a new
file on the next request; the old one is released from the store.

``narration_for(session, book, language)`` is the one entry point: it answers
the library's own audio extra when there is one for that language, the
cached narration while its text still matches, or a new one.
"""
from __future__ import annotations

import hashlib
import io
import logging
import shutil
import subprocess
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import db, errors
from .models import Asset, Book, Narration
from .shapes import media_url, published_assets

log = logging.getLogger(__name__)

# espeak-ng's voice per interface language, and the words around the facts.
VOICES = {"id": "id", "en": "en"}
LANGUAGES = tuple(VOICES)
BY = {"id": "oleh", "en": "by"}
MAX_SUMMARY = 1500  # characters: a kiosk reads a blurb, not a chapter (~2 minutes)
SPEAK_TIMEOUT = 30  # seconds for espeak-ng and the encoder together
OPUS_BITRATE = 24_000
MEDIA_TYPE = "audio/ogg"


class NarrationUnavailable(errors.PindaiError):
    status = 503
    code = "narration_unavailable"
    message_en = _l("This book cannot be read aloud right now.")


@dataclass(frozen=True)
class Spoken:
    """What a kiosk plays: a URL, its type and length, and where it came from."""

    language: str
    url: str
    media_type: str
    seconds: float | None
    source: str  # "asset" (the library's own recording) or "generated"
    text: str | None = None

    def to_dict(self) -> dict:
        return {"language": self.language, "url": self.url, "media_type": self.media_type,
                "seconds": self.seconds, "source": self.source, "text": self.text}


def narration_text(book: Book, language: str) -> str:
    """The words read: title (and subtitle), authors, summary."""
    title = book.title.strip()
    if book.subtitle:
        title = f"{title}: {book.subtitle.strip()}"
    parts = [title.rstrip(".") + "."]
    authors = [a for a in (book.authors or []) if a and a.strip()]
    if authors:
        parts.append(f"{BY[language].capitalize()} {', '.join(a.strip() for a in authors)}.")
    summary = (book.summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        cut = summary[:MAX_SUMMARY]
        summary = cut[:cut.rfind(". ") + 1] or cut
    if summary:
        parts.append(summary)
    return " ".join(parts)


def _text_hash(text: str, voice: str) -> str:
    return hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()


def own_recording(book: Book, language: str) -> Asset | None:
    """The library's own narration: a published audio extra in this language."""
    audio = [a for a in published_assets(book) if a.kind == "audio" and a.media_hash]
    fits = [a for a in audio if a.language in (language, "both")]
    return next(iter(fits), None)


def narration_for(session: Session, book: Book, language: str) -> Spoken:
    """The audio to read `book` aloud in `language` (see the module docstring)."""
    asset = own_recording(book, language)
    if asset is not None and asset.media_hash:
        return Spoken(language, media_url(asset.media_hash, asset.media_type), asset.media_type or MEDIA_TYPE,
                      None, "asset")
    voice = VOICES[language]
    text = narration_text(book, language)
    digest = _text_hash(text, voice)
    row = _cached(session, book.id, language)
    if row is None or row.text_hash != digest:
        audio, seconds = speak(text, voice)
        row, replaced = db.write(lambda s: _store(s, book.id, language, digest, voice, audio, seconds),
                                 session, retry=(IntegrityError,))
        if replaced:
            from ..media import references

            references.release(session, [replaced])
    return Spoken(language, media_url(row.media_hash, row.media_type), row.media_type,
                  round(row.seconds, 2), "generated", text)


def _cached(session: Session, book_id: int, language: str) -> Narration | None:
    return session.scalar(select(Narration).where(Narration.book_id == book_id, Narration.language == language))


def _store(session: Session, book_id: int, language: str, digest: str, voice: str,
           audio: bytes, seconds: float) -> tuple[Narration, str | None]:
    from ..media import storage

    media_hash = storage().put(audio)
    row = _cached(session, book_id, language)
    old = None
    if row is None:
        row = Narration(book_id=book_id, language=language)
        session.add(row)
    elif row.media_hash != media_hash:
        old = row.media_hash
    row.text_hash, row.voice, row.media_hash = digest, voice, media_hash
    row.media_type, row.seconds = MEDIA_TYPE, seconds
    session.flush()
    return row, old


def speak(text: str, voice: str) -> tuple[bytes, float]:
    """`text` spoken by espeak-ng's `voice`, as Ogg/Opus bytes and seconds.

    Raises ``NarrationUnavailable`` when espeak-ng is not installed or fails
    (the kiosk then says it cannot read aloud)."""
    program = shutil.which(current_app.config.get("NARRATION_ESPEAK") or "")
    if not program:
        log.warning("narration: espeak-ng (%r) is not installed", current_app.config.get("NARRATION_ESPEAK"))
        raise NarrationUnavailable()
    try:
        # The text goes on stdin: never an argument a title could turn into an option.
        done = subprocess.run([program, "-v", voice, "-s", "150", "--stdin", "--stdout"],
                              input=text.encode("utf-8"), capture_output=True, timeout=SPEAK_TIMEOUT,
                              check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        log.error("narration: espeak-ng failed: %s", exc)
        raise NarrationUnavailable() from exc
    audio, seconds = encode_opus(done.stdout)
    from ..media.checks import check

    check("audio", audio)  # what an upload of the same file would have to pass
    return audio, seconds


def encode_opus(wav: bytes) -> tuple[bytes, float]:
    """A WAV (espeak-ng's 22,050 Hz mono) as Ogg/Opus, mono 24 kHz, and its seconds."""
    import av

    out = io.BytesIO()
    samples = 0
    with av.open(io.BytesIO(wav), "r", format="wav") as source, av.open(out, "w", format="ogg") as sink:
        stream = sink.add_stream("libopus", rate=24000)
        stream.layout = "mono"
        stream.bit_rate = OPUS_BITRATE
        resampler = av.AudioResampler(format="s16", layout="mono", rate=24000)
        for frame in source.decode(audio=0):
            for chunk in resampler.resample(frame):
                samples += chunk.samples
                sink.mux(stream.encode(chunk))
        for chunk in resampler.resample(None):
            samples += chunk.samples
            sink.mux(stream.encode(chunk))
        sink.mux(stream.encode(None))
    if not samples:
        raise NarrationUnavailable()
    return out.getvalue(), samples / 24000
