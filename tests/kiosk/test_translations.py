"""The kiosk page's gettext catalogues (kiosk/translations) and how the page
gets them: every string of the screens' JS and the templates is translated
into Indonesian, /i18n/<lang>.json serves a catalogue with its plural
forms, and the page is rendered in Indonesian first."""
from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from kiosk import i18n
from kiosk.app import create_app
from kiosk.runtime import KioskRuntime
from kiosk.service import ServiceClient

KIOSK = Path(i18n.__file__).resolve().parent
# The JS keywords, as the Makefile's `translations` target passes them to pybabel.
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None, "nt": (1, 2), "pt": ((1, "c"), 2), "N_": None}
ATTRIBUTE = re.compile(r'data-t(?:-label|-alt|-placeholder)?="([^"]+)"')


def page_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every message the screens' JS and the templates
    use: what `make translations` extracts, plus the data-t* attributes."""
    with open(KIOSK / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(KIOSK), method_map, options_map,
                                                                      keywords=KEYWORDS):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    for template in (KIOSK / "templates").rglob("*.html"):
        found.update((None, text) for text in ATTRIBUTE.findall(template.read_text(encoding="utf-8")))
    return found


def untranslated(po: Path, messages: set[tuple[str | None, str]]) -> list[str]:
    """The messages a catalogue lacks or has not translated (empty or fuzzy)."""
    with open(po, "rb") as f:
        catalogue = read_po(f)
    missing = []
    for context, msgid in sorted(messages, key=lambda m: (m[0] or "", m[1])):
        entry = catalogue.get(msgid, context=context)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ())
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(f"{context}|{msgid}" if context else msgid)
    return missing


def test_every_js_and_template_string_is_translated_into_indonesian():
    messages = page_messages()
    assert len(messages) > 100  # the extraction found the screens' strings
    assert (None, "Scan a book here") in messages and ("survey face", "OK") in messages
    assert untranslated(i18n.po_path("id"), messages) == [], "run `make translations` and translate them"


def test_every_string_is_in_the_english_catalogue_too():
    """English is the ids' own language: entries may stay empty, but
    `make translations` must have merged them in."""
    with open(i18n.po_path("en"), "rb") as f:
        catalogue = read_po(f)
    absent = [m for c, m in page_messages() if catalogue.get(m, context=c) is None]
    assert absent == []


def test_a_string_missing_from_the_indonesian_catalogue_is_caught(tmp_path):
    po = tmp_path / "messages.po"
    shutil.copy(i18n.po_path("id"), po)
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Pindai buku di sini"', 'msgstr ""'), encoding="utf-8")
    messages = page_messages() | {(None, "A message nobody translated")}
    assert untranslated(po, messages) == ["A message nobody translated", "Scan a book here"]


def test_the_indonesian_words_are_the_librarians():
    texts = " ".join(str(v) for v in i18n.page_messages("id")["messages"].values())
    assert "daftar tunggu" in texts and "antrean" not in texts
    assert "Kembalikan paling lambat" in texts
    assert "Bukumu" not in texts and "kartu anggota" in texts
    assert not re.search(r"\bkartu\b(?! anggota)", texts.replace("Kartu anggota", "kartu anggota")), \
        "a member's card is always 'kartu anggota'"


@pytest.fixture
def client():
    app = create_app({"TESTING": True}, runtime=KioskRuntime(ServiceClient("http://127.0.0.1:1", None), None))
    return app.test_client()


def test_the_page_gets_each_catalogue_as_json_with_its_plural_forms(client):
    indonesian = client.get("/i18n/id.json")
    assert indonesian.status_code == 200
    body = indonesian.get_json()
    assert body["lang"] == "id" and body["plurals"] == {"other": 0}
    assert body["messages"]["Scan a book here"] == "Pindai buku di sini"
    assert body["messages"]["{n} book found"] == ["{n} buku ditemukan"]
    assert body["messages"]["survey face\x04OK"] == "Biasa saja" and body["messages"]["OK"] == "OK"
    english = client.get("/i18n/en.json").get_json()
    assert english["plurals"] == {"one": 0, "other": 1}  # the ids are English: nothing to translate


def test_an_unknown_language_is_a_clear_404(client):
    response = client.get("/i18n/xx.json")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "unknown_language" and "id, en" in error["message"]


class _Texts(HTMLParser):
    """(data-t value, the element's own text) for every element carrying data-t."""

    def __init__(self):
        super().__init__()
        self.open: list[str | None] = []
        self.pairs: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        key = dict(attrs).get("data-t")
        if tag not in ("img", "input", "br", "meta", "link"):
            self.open.append(key)
            if key:
                self.pairs.append([key, ""])

    def handle_endtag(self, tag):
        if tag not in ("img", "input", "br", "meta", "link") and self.open:
            self.open.pop()

    def handle_data(self, data):
        if self.open and self.open[-1]:
            self.pairs[-1][1] += data


def test_the_page_is_rendered_in_indonesian_from_the_same_catalogue(client):
    html = client.get("/").get_data(as_text=True)
    parser = _Texts()
    parser.feed(html)
    assert len(parser.pairs) > 30
    wrong = [(key, text) for key, text in parser.pairs if text.strip() != i18n.gettext(key)]
    assert wrong == []
    assert 'aria-label="Papan ketik"' in html and 'placeholder="Ketik dengan papan ketik di bawah"' in html
    assert '<span id="idle-unit">detik</span>' in html  # ngettext in a template


def test_a_translators_edit_shows_on_the_next_load(tmp_path, monkeypatch):
    shutil.copytree(i18n.TRANSLATIONS, tmp_path / "translations")
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path / "translations")
    assert i18n.page_messages("id")["messages"]["Skip"] == "Lewati"
    po = i18n.po_path("id")
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Lewati"', 'msgstr "Lewati saja"'), encoding="utf-8")
    stat = po.stat()
    os.utime(po, (stat.st_atime, stat.st_mtime + 5))  # a later save, whatever the file system's clock resolution
    assert i18n.page_messages("id")["messages"]["Skip"] == "Lewati saja"
    assert i18n.gettext("Skip") == "Lewati saja"
