"""Search analysis without a database: stemming in both languages, folding,
query parsing of odd input, spelling correction and autocomplete ranking."""
from __future__ import annotations

import pytest

from content_service.search import stemmer_id
from content_service.search.analysis import fold, stem, strip_controls, words
from content_service.search.lexicon import Lexicon
from content_service.search.query import MAX_QUERY_LENGTH, QueryTooLong, TooManyWords, parse

INDONESIAN = {
    "membaca": "baca", "bacaan": "baca", "dibaca": "baca", "pembaca": "baca", "pembacaan": "baca",
    "membacakan": "baca", "berlari": "lari", "belajar": "ajar", "pelajaran": "ajar", "kebahagiaan": "bahagia",
    "perjalanan": "jalan", "menyelesaikan": "selesai", "mengirim": "kirim", "menulis": "tulis", "penulis": "tulis",
    "memukul": "pukul", "menyapu": "sapu", "mendengar": "dengar", "melihat": "lihat", "terasa": "rasa",
    "bekerja": "kerja", "makanan": "makan", "rumahnya": "rumah", "bukuku": "buku", "pendidikan": "didik",
    "pengetahuan": "tahu", "persahabatan": "sahabat", "menggambar": "gambar", "kesehatan": "sehat",
    "diperbaiki": "baik", "bukunya": "buku", "anak": "anak", "pelangi": "pelangi",
}
ENGLISH = {"games": "game", "stones": "stone", "reading": "read", "philosopher": "philosoph", "harry": "harri"}


def test_indonesian_words_reach_their_root():
    wrong = {word: stem(word) for word, root in INDONESIAN.items() if stem(word) != root}
    assert not wrong


def test_english_words_use_porter_and_unknown_words_stay():
    assert {word: stem(word) for word in ENGLISH} == ENGLISH
    assert stemmer_id.stem("philosopher") is None  # no Indonesian rule reaches a root
    assert stem("xqzt") == "xqzt" and stem("2024") == "2024"


def test_folding_and_words():
    assert fold("Ċafé SỢ Ñandú") == "cafe so nandu"
    assert words("Anak-anak: 978-602 «Ayat»") == ["anak", "anak", "978", "602", "ayat"]
    assert strip_controls("laskar\x00pelangi\x1b") == "laskar pelangi "


def test_query_parsing_is_forgiving():
    parsed = parse('  "Laskar  Pelangi" hirat* *  "')
    assert parsed.phrases == [["laskar", "pelangi"]] and parsed.prefixes == ["hirat"] and parsed.words == []
    assert parse('"bumi manusia').phrases == [["bumi", "manusia"]]  # unbalanced: closed at the end
    assert parse('"bumi"').words == ["bumi"]
    assert parse("*").empty and parse("").empty and parse("\x00\x01").empty
    assert parse("a*").words == ["a"]  # one letter is no prefix
    assert parse("978-0-7475-3269-9").codes[0] == "9780747532699"
    assert parse("0747532699").codes[0] == "9780747532699"
    assert parse("harry harry harry").words == ["harry"]


def test_the_last_word_may_be_still_being_typed():
    typing = parse("laskar pel").typing()
    assert typing.words == ["laskar"] and typing.prefixes == ["pel"]
    assert parse("laskar pel ").typing() is None  # a space: the word is finished
    assert parse("laskar p").typing() is None and parse("").typing() is None


def test_too_long_or_too_many_words_is_refused():
    assert parse("x" * MAX_QUERY_LENGTH).words
    with pytest.raises(QueryTooLong):
        parse("x" * (MAX_QUERY_LENGTH + 1))
    with pytest.raises(TooManyWords):
        parse("kata " * 33)


def _lexicon(*titles: str, authors=("Penulis",)) -> Lexicon:
    return Lexicon([{"id": n, "title": title, "authors": list(authors), "subjects": [], "audience": "all",
                     "language": "id", "year": 2000, "available": True, "cover_url": None}
                    for n, title in enumerate(titles, start=1)])


def test_correction_prefers_fewest_edits_then_common_words():
    lexicon = _lexicon(*(["Harry Potter"] * 5), "Poster Film", "Mary Poppins", "Gary Larson")
    assert lexicon.correct("poter") == "potter"  # potter is in five titles, poster in one
    assert lexicon.correct("hary") == "harry"  # same first letter beats mary/gary
    assert lexicon.correct("potter") is None and lexicon.correct("zzzzzz") is None
    assert lexicon.correct("poter", seen=1) is None  # a real word in one book, potter only 5x as common
    assert lexicon.correct("ab") is None


def test_autocomplete_ranks_title_starts_first_and_shows_editions_once():
    lexicon = _lexicon("Pelangi di Mars", "Laskar Pelangi", "Laskar Pelangi", "Sang Pemimpi",
                       authors=("Andrea Hirata",))
    assert [e["title"] for e in lexicon.complete("pel", 8)] == ["Pelangi di Mars", "Laskar Pelangi"]
    assert [e["title"] for e in lexicon.complete("laskar pel", 8)] == ["Laskar Pelangi"]
    assert len(lexicon.complete("hira", 8)) == 3  # by author: three distinct titles
    assert lexicon.complete("pel", 1) == lexicon.complete("pel", 8)[:1]
    assert lexicon.complete("", 8) == [] and lexicon.complete("qqq", 8) == []
