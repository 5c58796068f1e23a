"""What a visitor typed, made safe: control characters dropped, quotes
(balanced or not) read as phrases, ``word*`` as a prefix, a lone ``*``
ignored, an ISBN or call number recognised. Too long a query is a clear
400, never a 500."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from .. import errors
from ..isbn import compact, looks_like_isbn, to_isbn13
from .analysis import fold, strip_controls, words

MAX_QUERY_LENGTH = 500
MAX_WORDS = 32
_PIECES = re.compile(r'"([^"]*)"?|(\S+)')


class QueryTooLong(errors.PindaiError):
    status = 400
    code = "query_too_long"
    message_en = _l("The search text is too long (at most %(max_query_length)s characters).",
                    max_query_length=MAX_QUERY_LENGTH)


class TooManyWords(errors.PindaiError):
    status = 400
    code = "too_many_words"
    message_en = _l("Too many search words (at most %(max_words)s).", max_words=MAX_WORDS)


@dataclass
class ParsedQuery:
    text: str = ""  # the cleaned query, as typed
    words: list[str] = field(default_factory=list)  # folded words that must match
    phrases: list[list[str]] = field(default_factory=list)  # folded words in order
    prefixes: list[str] = field(default_factory=list)  # "pelang*"
    codes: list[str] = field(default_factory=list)  # the whole query as ISBN-13 or call number
    open_end: bool = False  # the text ends inside a word (no space after it yet)

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.prefixes or self.codes)

    def typing(self) -> ParsedQuery | None:
        """The query with its last word read as a prefix, as a visitor still
        typing it means ("harry pott"); None when the text ends in a space
        or the last word is too short to complete."""
        if not self.words or not self.open_end:
            return None
        last = words(self.text)[-1]
        if len(last) < 2 or last not in self.words:
            return None
        return ParsedQuery(text=self.text, words=[w for w in self.words if w != last], phrases=self.phrases,
                           prefixes=self.prefixes + [last], codes=self.codes, open_end=True)


def parse(raw: str | None) -> ParsedQuery:
    """Parse a visitor's query; raises ``QueryTooLong`` / ``TooManyWords``."""
    if not raw:
        return ParsedQuery()
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryTooLong(max_length=MAX_QUERY_LENGTH)
    cleaned = strip_controls(raw)
    text = " ".join(cleaned.split())
    parsed = ParsedQuery(text=text, open_end=bool(cleaned) and cleaned[-1].isalnum())
    for quoted, bare in _PIECES.findall(text):
        if quoted:
            phrase = words(quoted)
            if len(phrase) > 1:
                parsed.phrases.append(phrase)
            else:
                parsed.words.extend(phrase)
            continue
        if bare.endswith("*"):
            stem = words(bare.rstrip("*"))
            # "pel*" completes; a lone "*" or "a*" would match half the catalogue.
            if len(stem) == 1 and len(stem[0]) >= 2:
                parsed.prefixes.append(stem[0])
                continue
            parsed.words.extend(stem)
            continue
        parsed.words.extend(words(bare))
    if len(parsed.words) + len(parsed.prefixes) + sum(map(len, parsed.phrases)) > MAX_WORDS:
        raise TooManyWords(max_words=MAX_WORDS)
    parsed.words = list(dict.fromkeys(parsed.words))
    isbn13 = to_isbn13(text) if looks_like_isbn(compact(text)) else None
    if isbn13:
        parsed.codes.append(isbn13)
    if any(ch.isdigit() for ch in text):
        parsed.codes.append("".join(fold(text).split()))
    parsed.codes = list(dict.fromkeys(parsed.codes))
    return parsed
