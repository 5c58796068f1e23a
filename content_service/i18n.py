"""Interface language: gettext catalogues through Flask-Babel.

Message ids are the English text (the gettext convention); the Indonesian
lives in ``translations/id/LC_MESSAGES/messages.po``, the default language.
A new language is one more catalogue beside it (see docs/translations.md).

- ``select_language``: ``?lang=``, then the ``lang`` cookie, then the browser's
  Accept-Language, among the languages that have a catalogue; Indonesian otherwise.
- ``current_language``: the language of this request (``<html lang>``, feeds).
- ``in_language``: a string rendered in one given language (the API's errors carry
  English and Indonesian whatever the request's language).
- ``label``: the words for stored values (copy status, audience, category ...),
  whose keys come from the database and so cannot be literal ``_()`` calls.
- ``rupiah``, ``clock``, ``when``, ``date_range`` (and Flask-Babel's ``dateformat`` filters): amounts,
  dates and times by locale ("Rp50.000", "pukul 05.24"), always in WIB (Asia/Jakarta),
  where the library is; ``lazy_clock`` and ``lazy_rupiah`` inside a bilingual error.
- ``init_app``: Babel on the app, Jinja globals and the ``lang`` cookie."""
from __future__ import annotations

from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel.numbers import format_currency, get_currency_symbol
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, force_locale, format_date, format_time, get_locale, gettext, lazy_gettext as _l
from flask_babel.speaklater import LazyString

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DEFAULT_LANGUAGE = "id"
TIMEZONE = "Asia/Jakarta"
# The two languages every page and error is written in; others may be partial.
LANGUAGES = ("id", "en")

# Stored values shown to people: group -> value -> words. Marked with _l so
# `make translations` extracts them although the key is only known at run time.
LABELS = {
    "status": {
        "available": _l("Available"),
        "all_on_loan": _l("All copies on loan"),
        "reference_only": _l("Reference only (read in the library)"),
        "no_copies": _l("No copies in the library yet"),
    },
    "item_status": {
        "available": _l("on the shelf"),
        "on_loan": _l("on loan"),
        "reference": _l("reference copy"),
        "in_transit": _l("in transit"),
        "missing": _l("missing"),
        "withdrawn": _l("withdrawn"),
    },
    "lang": {
        "id": _l("Indonesian"),
        "en": _l("English"),
    },
    "audience": {
        "children": _l("Children"),
        "teens": _l("Teens"),
        "adults": _l("Adults"),
        "all": _l("All ages"),
    },
    "availability": {
        "available": _l("On the shelf now"),
        "unavailable": _l("Not on the shelf"),
    },
    "category": {
        "storytelling": _l("Storytelling"),
        "class": _l("Skills class"),
        "discussion": _l("Public discussion"),
        "exhibition": _l("Exhibition"),
        "school_visit": _l("School visit"),
        "other": _l("Other"),
    },
    "survey_context": {
        "kiosk_book": _l("Kiosk (book)"),
        "kiosk_checkout": _l("Kiosk (checkout)"),
        "phone": _l("Phone"),
        "event": _l("Event"),
    },
    "event_status": {
        "published": _l("Published"),
        "draft": _l("Draft"),
        "cancelled": _l("Cancelled"),
    },
    "face": {
        "1": _l("Very bad"),
        "2": _l("Bad"),
        "3": _l("OK"),
        "4": _l("Good"),
        "5": _l("Very good"),
    },
    "visit_status": {
        "pending": _l("Your request is being reviewed by staff."),
        "accepted": _l("Visit accepted for %(when)s."),
        "declined": _l("Sorry, the visit request could not be accepted."),
    },
    "asset_lang": {
        "both": _l("Both languages"),
        "id": _l("Indonesian"),
        "en": _l("English"),
    },
    "library_kind": {
        "city": _l("City library"),
        "branch": _l("Branch library"),
        "mobile": _l("Mobile library"),
        "school": _l("School library"),
        "university": _l("University library"),
    },
    "role": {
        "admin": _l("admin"),
        "librarian": _l("librarian"),
        "editor": _l("content editor"),
    },
    "asset_kind": {
        "video": _l("Video (MP4/WebM)"),
        "audio": _l("Audio (MP3/Ogg/M4A)"),
        "image": _l("Image (JPEG/PNG/WebP)"),
        "model3d": _l("3D model (GLB)"),
        "ar_overlay": _l("AR overlay (transparent PNG)"),
        "link": _l("Link"),
        "ebook": _l("E-book (EPUB/PDF)"),
        "online": _l("Online resource (iPusnas, e-journal, database)"),
    },
    "links_status": {
        "added": _l("added"),
        "updated": _l("updated"),
        "unchanged": _l("unchanged"),
        "unmatched": _l("no such ISBN"),
        "invalid": _l("invalid"),
    },
    "outcome": {
        "imported": _l("imported"),
        "updated": _l("updated"),
        "unchanged": _l("unchanged"),
        "skipped": _l("skipped"),
        "failed": _l("failed"),
    },
    "registration_status": {
        "confirmed": _l("confirmed"),
        "waitlisted": _l("on the waiting list"),
        "cancelled": _l("cancelled"),
    },
    "visit_decision": {
        "pending": _l("waiting for a decision"),
        "accepted": _l("accepted"),
        "declined": _l("declined"),
    },
    "move": {
        "up": _l("Move up"),
        "down": _l("Move down"),
    },
}


def languages(app: Flask | None = None) -> tuple[str, ...]:
    """Languages with a catalogue, the default first (computed once per app)."""
    app = app or current_app
    return app.extensions["pindai_languages"]


def _find_languages(app: Flask) -> tuple[str, ...]:
    found = {DEFAULT_LANGUAGE, *LANGUAGES}
    for folder in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
        path = Path(folder) if Path(folder).is_absolute() else Path(app.root_path) / folder
        if path.is_dir():
            found.update(p.name for p in path.iterdir() if (p / "LC_MESSAGES" / "messages.mo").is_file())
    return tuple(sorted(found, key=lambda code: (code != DEFAULT_LANGUAGE, code not in LANGUAGES, code)))


def select_language() -> str:
    """``?lang=``, then the cookie, then Accept-Language; Indonesian otherwise.
    Outside a request (operator commands, their logs) the text is English."""
    if not has_request_context():
        return "en"
    known = languages()
    for chosen in (request.args.get("lang"), request.cookies.get("lang")):
        if chosen in known:
            return chosen
    return request.accept_languages.best_match(known, default=DEFAULT_LANGUAGE)


def other_languages() -> list[str]:
    """The languages a page offers to switch to (all but its own)."""
    here = str(get_locale() or DEFAULT_LANGUAGE)
    return [code for code in languages() if code != here]


def current_language() -> str:
    """The language of this request, as a BCP 47 tag (``id``, ``en``, ``zh-Hans``)."""
    if "lang" not in g:
        g.lang = str(get_locale() or DEFAULT_LANGUAGE).replace("_", "-")
    return g.lang


def language_name(code: str) -> str:
    """A language's own name for itself ("Bahasa Indonesia", "English", "中文")."""
    if code == "id":
        return "Bahasa Indonesia"
    return (Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_")) or code).capitalize()


def in_language(language: str, text) -> str:
    """``text`` (a lazy string or a message id) rendered in ``language``."""
    with force_locale(language):
        return str(text) if not isinstance(text, str) else gettext(text)


def _language_in_current_locale(code: str) -> str:
    """A book's language other than ours, in the page's language (CLDR: "fr" -> "Prancis", "French")."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(str(get_locale() or DEFAULT_LANGUAGE))
    except (UnknownLocaleError, ValueError, TypeError):  # not a language code: show what the record says
        return code
    return name[:1].upper() + name[1:] if name else code


def label(group: str, value, **values) -> str:
    """The words for a stored value, or the value itself when it has none."""
    words = LABELS.get(group, {}).get(str(value))
    if words is None and group == "lang" and value:
        return _language_in_current_locale(str(value))
    if words is None:
        return "" if value is None else str(value)
    return str(words) % values if values else str(words)


def rupiah(amount: int | None) -> str:
    """``Rp50.000`` in Indonesian, ``IDR 50,000`` in English: whole rupiah."""
    locale = str(get_locale() or DEFAULT_LANGUAGE) if has_app_context() else "en"
    text = format_currency(amount or 0, "IDR", format="¤#,##0", locale=locale, currency_digits=False)
    symbol = get_currency_symbol("IDR", locale)
    # CLDR's currency spacing: a symbol of letters ("IDR") stands apart from the digits, "Rp" does not.
    return text.replace(symbol, symbol + "\u00a0", 1) if symbol.isupper() and symbol.isalpha() else text


def clock(moment) -> str:
    """The time of day in WIB by locale: ``05.24`` in Indonesian, ``5:24 AM`` in English."""
    if not has_app_context():  # a message shown outside the app (a log line): English, WIB
        return babel_dates.format_time(moment, "short", tzinfo=babel_dates.get_timezone(TIMEZONE), locale="en")
    return format_time(moment, "short")


def when(moment, date_format: str = "medium") -> str:
    """Date and time in WIB: ``2 Des 2026 pukul 05.24 WIB`` / ``Dec 2, 2026 at 5:24 AM WIB``."""
    return gettext("%(date)s at %(time)s WIB", date=format_date(moment, date_format), time=clock(moment))


def date_range(start, end) -> str:
    """Two dates as one span by locale: ``30 Nov–6 Des 2026``, ``Nov 30 – Dec 6, 2026``."""
    return babel_dates.format_interval(start, end, "yMMMd", locale=str(get_locale() or DEFAULT_LANGUAGE))


def lazy_clock(moment) -> LazyString:
    """``clock`` rendered when shown, so each language of an error gets its own format."""
    return LazyString(clock, moment)


def lazy_rupiah(amount: int | None) -> LazyString:
    """``rupiah`` rendered when shown (an amount inside a bilingual error)."""
    return LazyString(rupiah, amount)


def init_app(app: Flask) -> None:
    """Called by the application factory."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_language, timezone_selector=lambda: TIMEZONE)
    app.extensions["pindai_languages"] = _find_languages(app)
    app.jinja_env.globals.update(current_language=current_language, label=label, other_languages=other_languages,
                                 language_name=language_name, date_range=date_range)
    app.jinja_env.filters.update(rupiah=rupiah, clock=clock, when=when)

    @app.after_request
    def _remember_language(response):
        chosen = request.args.get("lang")
        if chosen in languages():
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response
