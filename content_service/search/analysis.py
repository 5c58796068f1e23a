"""Text analysis shared by every search backend: accent folding, word
splitting, and a stemmer that understands Indonesian and English.

Most titles are Indonesian and many are English, and a query rarely says
which, so one stemmer serves both: the Indonesian rules (``stemmer_id``,
Nazief-Adriani over Sastrawi's root words) first, because they only change a
word when they reach a known root ("membaca", "bacaan" -> "baca"); otherwise
the English Porter stemmer ("games" -> "game"). The same function runs at
index and at query time."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from . import stemmer_id

_WORD = re.compile(r"\w+")
# Control characters, including the C1 range a broken paste brings along.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def fold(text: str) -> str:
    """Lower case without accents: "Ċafé Sợ" -> "cafe so"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def strip_controls(text: str) -> str:
    """Control characters become spaces (a NUL between two words splits them)."""
    return _CONTROL.sub(" ", text)


def words(text: str | None) -> list[str]:
    """The folded words of ``text`` (letters and digits; "anak-anak" is two)."""
    if not text:
        return []
    return _WORD.findall(fold(text))


@lru_cache(maxsize=1)
def _porter():
    from whoosh.lang.porter import stem as porter_stem

    return porter_stem


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """The stem of one folded word, Indonesian first, then English."""
    if len(word) <= 3 or not word.isalpha():
        return word
    return stemmer_id.stem(word) or _porter()(word)


def stems(text: str | None) -> list[str]:
    return [stem(w) for w in words(text)]
