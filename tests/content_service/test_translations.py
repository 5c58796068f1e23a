"""The gettext catalogues: committed .mo files match their .po, every string in
the code and templates has its Indonesian, plurals and locale formats, the
language choice (``?lang=``, cookie, Accept-Language), the API's bilingual
errors, and a third language added as one more catalogue."""
from __future__ import annotations

import gettext
import io
import re
from configparser import ConfigParser
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.messages.catalog import Catalog

from content_service import i18n
from tests.factories import make_book

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "content_service" / "translations"
# The keywords `make translations` passes to pybabel extract (besides its defaults).
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_ngettext": (1, 2)}


def _catalogue(lang: str) -> Catalog:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _extracted() -> dict[str, set[str]]:
    """Every message id in the code and templates (what `make translations` extracts), with its files."""
    config = ConfigParser()
    config.read(ROOT / "content_service" / "babel.cfg")
    method_map = [(section.split(":", 1)[1].strip(), section.split(":", 1)[0].strip())
                  for section in config.sections()]
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "content_service"), method_map, keywords=KEYWORDS, comment_tags=()):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, set()).add(filename)
    return found


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_committed_mo_file_matches_its_po(lang):
    """A .po edited without `make translations` leaves a stale .mo: the service would show old text."""
    catalogue = _catalogue(lang)
    fresh = io.BytesIO()
    write_mo(fresh, catalogue)
    fresh.seek(0)
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        committed = gettext.GNUTranslations(f)
    expected = gettext.GNUTranslations(fresh)
    stale = {k: v for k, v in expected._catalog.items() if committed._catalog.get(k) != v}  # type: ignore[attr-defined]
    gone = set(committed._catalog) - set(expected._catalog)  # type: ignore[attr-defined]
    assert not stale and not gone, f"run `make translations`: {lang} .mo differs from .po on {sorted(map(str, stale))[:5]} {sorted(map(str, gone))[:5]}"  # noqa: E501 (one msgid)


def test_every_string_in_code_and_templates_has_its_indonesian():
    catalogue = _catalogue("id")
    extracted = _extracted()
    assert len(extracted) > 300  # the extraction itself worked (templates and Python)
    assert any(f.endswith(".html") for files in extracted.values() for f in files)
    missing = []
    for msgid, files in sorted(extracted.items()):
        message = catalogue.get(msgid)
        if message is None and msgid in {m.id[0] for m in catalogue if isinstance(m.id, tuple)}:
            message = next(m for m in catalogue if isinstance(m.id, tuple) and m.id[0] == msgid)
        strings = (message.string if isinstance(message.string, tuple) else (message.string,)) if message else ()
        if message is None or message.fuzzy or not all(strings):
            missing.append(f"{msgid!r} ({', '.join(sorted(files))})")
    assert not missing, "not in the Indonesian catalogue (run `make translations`, then translate):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    """"%(n)s" in the English must not become "%(m)s" or "%(n)d" in the Indonesian (a 500 at run time)."""
    problems = [f"{message.id!r}: {errs}" for message, errs in _catalogue("id").check()]
    assert not problems, problems


def test_indonesian_uses_the_words_of_indonesian_librarians():
    words = " ".join(s for m in _catalogue("id") if m.id
                     for s in (m.string if isinstance(m.string, tuple) else (m.string,)))
    for wrong in ("rekaman", "antrean tunggu", "Kembali paling lambat", "kartu perpustakaan", "Bukumu"):
        assert wrong not in words
    assert re.search(r"pukul %\(\w+\)s", words)
    assert "cantuman" in words and "daftar tunggu" in words and "Kembalikan paling lambat" in words


# Words Indonesian librarians do not use, in any case; and English that leaks into Indonesian.
WRONG_WORDS = re.compile(r"\b(rekaman|antrean tunggu|kembali paling lambat|kartu perpustakaan|bukumu)\b", re.I)
ENGLISH_INSIDE = re.compile(r"\b(books? found|records?:|imported|failed|confirmed|waitlisted|likely duplicates?)\b", re.I)
# Indonesian writes the time with a full stop ("pukul 09.00"); a colon is English.
COLON_TIME = re.compile(r"\b(pukul|jam) \d{1,2}:\d{2}\b", re.I)


def _indonesian_strings() -> list[tuple[str, str]]:
    """(where, text) of every Indonesian string people read: both apps' catalogues and the
    Indonesian written straight into code (refusals, SIP2 screen messages)."""
    found = []
    for po in (TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po",
               ROOT / "kiosk" / "translations" / "id" / "LC_MESSAGES" / "messages.po"):
        with open(po, "rb") as f:
            for m in read_po(f, locale="id"):
                if m.id:
                    for text in m.string if isinstance(m.string, tuple) else (m.string,):
                        found.append((f"{po.parent.parent.parent.parent.name}: {m.id!r}", text))
    for path in (ROOT / "content_service" / "circulation" / "refusals.py", ROOT / "content_service" / "sip2" / "server_text.py",
                 *sorted((ROOT / "content_service").rglob("text.py")), *sorted((ROOT / "kiosk").rglob("text.py"))):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found.append((f"{path.relative_to(ROOT)}:{number}", line))
    return found


def test_no_word_indonesian_librarians_would_not_write_anywhere():
    strings = _indonesian_strings()
    assert len(strings) > 500  # both catalogues and the code were read
    wrong = [(where, text) for where, text in strings if WRONG_WORDS.search(text) or COLON_TIME.search(text)]
    assert not wrong, wrong[:10]
    catalogues = [(where, text) for where, text in strings if ": '" in where or ': "' in where]
    english = [(where, text) for where, text in catalogues
               if ENGLISH_INSIDE.search(re.sub(r"%\(\w+\)[sd]|\{\w+\}", "", text))]
    assert not english, english[:10]


def test_the_language_comes_from_the_query_then_the_cookie_then_the_browser(client):
    home = client.get("/")
    assert '<html lang="id">' in home.get_data(as_text=True)
    assert "Pindai label QR di buku" in home.get_data(as_text=True)
    assert ">English</a>" in home.get_data(as_text=True)  # the switch names the other language in its own words

    browser = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Scan the QR label on a book" in browser.get_data(as_text=True)

    chosen = client.get("/?lang=en")
    assert "Scan the QR label on a book" in chosen.get_data(as_text=True)
    assert "lang=en" in chosen.headers["Set-Cookie"]
    remembered = client.get("/")  # the cookie now wins over the (missing) Accept-Language
    assert "Scan the QR label on a book" in remembered.get_data(as_text=True)
    assert ">Bahasa Indonesia</a>" in remembered.get_data(as_text=True)
    overruled = client.get("/", headers={"Accept-Language": "id"})
    assert "Scan the QR label on a book" in overruled.get_data(as_text=True)

    unknown = client.get("/?lang=xx")  # not a catalogue: ignored, the cookie still holds
    assert "Scan the QR label on a book" in unknown.get_data(as_text=True)
    assert "lang=xx" not in unknown.headers.get("Set-Cookie", "")


def test_plurals_follow_each_language(client, session):
    make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], copies=1)
    make_book(session, title="Sang Pemimpi", authors=["Andrea Hirata"], copies=2)
    make_book(session, title="Sang Pemimpi (edisi baru)", authors=["Andrea Hirata"])
    session.commit()
    assert "1 buku ditemukan" in client.get("/search?q=laskar").get_data(as_text=True)
    assert "2 buku ditemukan" in client.get("/search?q=pemimpi").get_data(as_text=True)
    assert "1 book found" in client.get("/search?q=laskar&lang=en").get_data(as_text=True)
    assert "2 books found" in client.get("/search?q=pemimpi&lang=en").get_data(as_text=True)
    book = client.get("/search?q=laskar&lang=en").get_data(as_text=True)
    assert "1 books" not in book
    laskar = client.get("/books/1?lang=en").get_data(as_text=True)
    assert "1 of 1 copy on the shelf" in laskar
    pemimpi = client.get("/books/2?lang=en").get_data(as_text=True)
    assert "2 of 2 copies on the shelf" in pemimpi
    assert "2 dari 2 eksemplar ada di rak" in client.get("/books/2?lang=id").get_data(as_text=True)


def test_times_dates_and_rupiah_by_locale_in_wib(app):
    moment = datetime(2026, 12, 1, 22, 24, tzinfo=timezone.utc)  # 05.24 on 2 December in Batam
    with app.test_request_context("/"):
        assert i18n.clock(moment) == "05.24"
        assert i18n.when(moment) == "2 Des 2026 pukul 05.24 WIB"
        assert i18n.rupiah(50000) == "Rp50.000"
    with app.test_request_context("/?lang=en"):
        assert i18n.clock(moment) == "5:24\u202fAM"
        assert i18n.when(moment) == "Dec 2, 2026 at 5:24\u202fAM WIB"
        assert i18n.rupiah(50000) == "IDR\u00a050,000"


def test_api_errors_carry_both_languages_from_the_catalogues(client, validate):
    for lang in ("id", "en"):
        res = client.get(f"/api/v1/books/999999?lang={lang}")
        assert res.status_code == 404
        body = res.get_json()
        validate(body, "Error")
        assert body["error"] == {"code": "not_found", "message": "No book with id 999999.",
                                 "message_id": "Buku dengan id 999999 tidak ada."}
    res = client.get("/api/v1/search?q=x&per_page=0")
    error = res.get_json()["error"]
    assert res.status_code == 400 and error["code"] == "bad_request"
    assert error["message"].startswith("'per_page' must be between") and error["message_id"].startswith("'per_page' harus antara")


def test_a_third_language_is_one_more_catalogue(make_app, tmp_path, session):
    """A tiny Chinese catalogue in its own folder: pages switch to it, untranslated text falls back to English."""
    catalogue = Catalog(locale="zh", project="Pindai")
    catalogue.add("Batam City Public Library", "巴淡市公共图书馆")
    catalogue.add("Scan the QR label on a book to see what it holds.", "扫描书上的二维码标签，查看内容。")
    catalogue.add(("%(num)d book found", "%(num)d books found"), ("找到 %(num)d 本书",))
    folder = tmp_path / "translations" / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.po", "wb") as f:
        write_po(f, catalogue)
    with open(folder / "messages.mo", "wb") as f:
        write_mo(f, catalogue)
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=f"{TRANSLATIONS};{tmp_path / 'translations'}")
    assert i18n.languages(app) == ("id", "en", "zh")
    client = app.test_client()

    page = client.get("/?lang=zh").get_data(as_text=True)
    assert '<html lang="zh">' in page
    assert "巴淡市公共图书馆" in page and "扫描书上的二维码标签" in page
    assert "Type the code under the QR" in page  # not in the tiny catalogue: English, not Indonesian
    assert "Ketik kode" not in page
    assert ">中文</a>" not in page and ">English</a>" in page and ">Bahasa Indonesia</a>" in page
    assert "找到 0 本书" in client.get("/search?q=zzzz").get_data(as_text=True)  # the cookie keeps Chinese
    assert ">中文</a>" in client.get("/?lang=id").get_data(as_text=True)  # offered from the other pages
    fresh = app.test_client()
    assert "巴淡市公共图书馆" in fresh.get("/", headers={"Accept-Language": "zh,en;q=0.5"}).get_data(as_text=True)
    # The API keeps its two languages whatever the page language.
    error = fresh.get("/api/v1/books/999999?lang=zh").get_json()["error"]
    assert error["message"] == "No book with id 999999." and error["message_id"] == "Buku dengan id 999999 tidak ada."


def test_a_books_language_is_named_in_the_page_language(client, session):
    book = make_book(session, title="Le Petit Prince", language="fr")
    odd = make_book(session, title="Catatan", language="zz9")
    session.commit()
    assert "<dd>Prancis</dd>" in client.get(f"/books/{book.id}").get_data(as_text=True)
    assert "<dd>French</dd>" in client.get(f"/books/{book.id}?lang=en").get_data(as_text=True)
    assert "<dd>zz9</dd>" in client.get(f"/books/{odd.id}").get_data(as_text=True)


def test_event_dates_read_as_librarians_write_them(client, session):
    from content_service.events import calendar

    start = datetime(2030, 1, 5, 2, 0, tzinfo=timezone.utc)  # Saturday 09.00 in Batam
    calendar.save_event(session, title="Dongeng Sabtu", title_en="Saturday stories", starts_at=start,
                        ends_at=start.replace(hour=3), category="storytelling", audience="children")
    session.commit()
    page = client.get("/events?week=2029-12-31").get_data(as_text=True)
    assert "Pekan 31 Des 2029–6 Jan 2030" in page and "Minggu 31" not in page  # "Minggu" is also Sunday
    assert "Sabtu, 05 Januari 2030, pukul 09.00–10.00 WIB" in page
    english = client.get("/events?week=2029-12-31&lang=en").get_data(as_text=True)
    assert "Week of Dec 31, 2029\u2009–\u2009Jan 6, 2030" in english
    assert "Saturday, January 5, 2030, 9:00\u202fAM–10:00\u202fAM WIB" in english
