"""An in-memory snapshot of what a searcher sees, built once per index
generation: facet values as numpy arrays (counts over 100,000 matches are a
few array operations), the title/author words behind autocomplete, and the
vocabulary behind "did you mean".

Slots are the backend's document numbers; ``entries`` gives, per slot, the
stored summary of a book or None for a deleted document."""
from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz import process

from .analysis import fold, words

# Year ranges offered as a facet: (label, first year, last year).
YEAR_RANGES = (
    ("-1899", None, 1899),
    ("1900-1949", 1900, 1949),
    ("1950-1999", 1950, 1999),
    ("2000-2009", 2000, 2009),
    ("2010-2019", 2010, 2019),
    ("2020-", 2020, None),
)
SUBJECT_FACET_SIZE = 20
# Autocomplete ranks at most this many candidates, found in at most _SCAN
# rows of the word list (a kiosk asks on every key press).
_CANDIDATES = 100
_SCAN = 1000


def _year_bucket(year: int | None) -> int:
    if not year:
        return -1
    for index, (_label, low, high) in enumerate(YEAR_RANGES):
        if (low is None or year >= low) and (high is None or year <= high):
            return index
    return -1


class _Codes:
    """Maps facet values to small integers, in first-seen order."""

    def __init__(self):
        self.values: list[str] = []
        self.index: dict[str, int] = {}

    def code(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found


@dataclass
class Filters:
    """Facet filters of a search; None means "not filtered"."""

    audience: str | None = None
    language: str | None = None
    subject: str | None = None
    available: bool | None = None
    year_from: int | None = None
    year_to: int | None = None

    def any(self) -> bool:
        return any(v is not None for v in vars(self).values())


class Lexicon:
    """Facet arrays, autocomplete and spelling data of one index generation."""

    def __init__(self, entries: list[dict | None]):
        self.entries = entries
        size = len(entries)
        self.live = np.zeros(size, dtype=bool)
        self.book_ids = np.zeros(size, dtype=np.int64)
        self.audience = np.full(size, -1, dtype=np.int16)
        self.language = np.full(size, -1, dtype=np.int16)
        self.available = np.zeros(size, dtype=bool)
        self.years = np.zeros(size, dtype=np.int32)
        self.year_bucket = np.full(size, -1, dtype=np.int8)
        self.slot_of: dict[int, int] = {}
        audiences, languages, subjects = _Codes(), _Codes(), _Codes()
        subject_names: dict[int, str] = {}
        subj_doc: list[int] = []
        subj_code: list[int] = []
        vocabulary: Counter[str] = Counter()
        prefix_rows: list[tuple[str, int, int]] = []
        # Per slot: folded title words, and title + author words.
        self.title_words: list[tuple[str, ...]] = [()] * size
        self.book_words: list[tuple[str, ...]] = [()] * size
        for slot, entry in enumerate(entries):
            if entry is None:
                continue
            self.live[slot] = True
            self.book_ids[slot] = entry["id"]
            self.slot_of[entry["id"]] = slot
            self.audience[slot] = audiences.code(entry.get("audience") or "all")
            if entry.get("language"):
                self.language[slot] = languages.code(entry["language"])
            self.available[slot] = bool(entry.get("available"))
            self.years[slot] = entry.get("year") or 0
            self.year_bucket[slot] = _year_bucket(entry.get("year"))
            for subject in set(map(_subject_key, entry.get("subjects") or ())):
                if subject:
                    code = subjects.code(subject)
                    subject_names.setdefault(code, _subject_name(entry["subjects"], subject))
                    subj_doc.append(slot)
                    subj_code.append(code)
            title = entry.get("title") or ""
            title_words = words(title)
            author_words = words(" ".join(entry.get("authors") or ()))
            self.title_words[slot] = tuple(title_words)
            self.book_words[slot] = tuple(title_words + author_words)
            vocabulary.update(title_words)
            vocabulary.update(author_words)
            for subject in entry.get("subjects") or ():
                vocabulary.update(words(subject))
            length = len(title)
            # Authors' words complete too, after title words of equal length.
            for word in set(title_words):
                prefix_rows.append((word, length, slot))
            for word in set(author_words) - set(title_words):
                prefix_rows.append((word, length + 1000, slot))
        self.audience_values, self.language_values = audiences.values, languages.values
        self.subject_keys = subjects.values
        self.subject_index = subjects.index
        self.subject_names = [subject_names[i] for i in range(len(subjects.values))]
        self.subj_doc = np.array(subj_doc, dtype=np.int64)
        self.subj_code = np.array(subj_code, dtype=np.int64)
        prefix_rows.sort()
        self.prefix_words = [row[0] for row in prefix_rows]
        self.prefix_slots = [row[2] for row in prefix_rows]
        # Folded whole titles, sorted: "the fo" finds "the fountainhead" by bisection.
        titled = sorted((" ".join(words_), slot) for slot, words_ in enumerate(self.title_words) if words_)
        self.title_keys = [key for key, _slot in titled]
        self.title_slots = [slot for _key, slot in titled]
        self.vocabulary = vocabulary
        self._by_length: dict[int, list[str]] = {}
        for word in vocabulary:
            if word.isalpha():
                self._by_length.setdefault(len(word), []).append(word)
        self._title_order: np.ndarray | None = None

    # -- facets -----------------------------------------------------------

    def masks(self, filters: Filters) -> dict[str, np.ndarray]:
        """One boolean mask per active filter."""
        masks = {}
        if filters.audience is not None:
            masks["audience"] = self._equal(self.audience, self.audience_values, filters.audience)
        if filters.language is not None:
            masks["language"] = self._equal(self.language, self.language_values, filters.language)
        if filters.subject is not None:
            mask = np.zeros(len(self.entries), dtype=bool)
            code = self.subject_index.get(_subject_key(filters.subject))
            if code is not None:
                mask[self.subj_doc[self.subj_code == code]] = True
            masks["subject"] = mask
        if filters.available is not None:
            masks["availability"] = self.available == filters.available
        if filters.year_from is not None or filters.year_to is not None:
            mask = self.years > 0
            if filters.year_from is not None:
                mask &= self.years >= filters.year_from
            if filters.year_to is not None:
                mask &= self.years <= filters.year_to
            masks["year"] = mask
        return masks

    @staticmethod
    def _equal(column: np.ndarray, values: list[str], wanted: str) -> np.ndarray:
        try:
            return column == values.index(wanted)
        except ValueError:
            return np.zeros(len(column), dtype=bool)

    def facets(self, matched: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, list[dict]]:
        """Counts per facet value among ``matched`` documents. Each facet is
        counted under every filter but its own, so a visitor who chose
        "children" still sees how many books the other audiences hold."""

        def base(name: str) -> np.ndarray:
            mask = matched
            for other, other_mask in masks.items():
                if other != name:
                    mask = mask & other_mask
            return mask

        facets = {}
        facets["audience"] = self._count(self.audience, self.audience_values, base("audience"))
        facets["language"] = self._count(self.language, self.language_values, base("language"))
        subject_mask = base("subject")
        counts = np.bincount(self.subj_code[subject_mask[self.subj_doc]], minlength=len(self.subject_keys))
        top = np.argsort(-counts, kind="stable")[:SUBJECT_FACET_SIZE]
        facets["subject"] = [{"value": self.subject_names[i], "count": int(counts[i])} for i in top if counts[i]]
        availability_mask = base("availability")
        on_shelf = int(np.count_nonzero(self.available & availability_mask))
        others = int(np.count_nonzero(availability_mask)) - on_shelf
        facets["availability"] = [
            {"value": value, "count": count}
            for value, count in (("available", on_shelf), ("unavailable", others)) if count
        ]
        year_mask = base("year")
        buckets = np.bincount(self.year_bucket[year_mask & (self.year_bucket >= 0)], minlength=len(YEAR_RANGES))
        facets["year"] = [
            {"value": label, "count": int(buckets[i]), "from": low, "to": high}
            for i, (label, low, high) in enumerate(YEAR_RANGES) if buckets[i]
        ]
        return facets

    @staticmethod
    def _count(column: np.ndarray, values: list[str], mask: np.ndarray) -> list[dict]:
        picked = column[mask]
        counts = np.bincount(picked[picked >= 0], minlength=len(values))
        order = np.argsort(-counts, kind="stable")
        return [{"value": values[i], "count": int(counts[i])} for i in order if counts[i]]

    def book(self, slot: int) -> dict:
        """The stored summary at a live slot (a slot from this lexicon's own
        tables never holds a deleted document)."""
        entry = self.entries[slot]
        if entry is None:
            raise KeyError(f"search slot {slot} holds a deleted document")
        return entry

    def title_order(self) -> np.ndarray:
        """Slots of live documents sorted by folded title (browsing)."""
        if self._title_order is None:
            live = [slot for slot, entry in enumerate(self.entries) if entry is not None]
            live.sort(key=lambda slot: (fold(self.book(slot)["title"] or ""), self.book(slot)["id"]))
            self._title_order = np.array(live, dtype=np.int64)
        return self._title_order

    # -- autocomplete -----------------------------------------------------

    def _prefix_range(self, prefix: str) -> tuple[int, int]:
        low = bisect.bisect_left(self.prefix_words, prefix)
        high = bisect.bisect_left(self.prefix_words, prefix + "\uffff", low)
        return low, high

    def complete(self, text: str, limit: int) -> list[dict]:
        """Books whose title starts with what was typed so far, then books
        whose title (or author) words do; every typed word must match, the
        last one as a prefix. Shorter titles first within each kind."""
        typed = words(text)
        if not typed:
            return []
        phrase = " ".join(typed)
        ranked = []
        low = bisect.bisect_left(self.title_keys, phrase)
        high = bisect.bisect_left(self.title_keys, phrase + "\uffff", low)
        for index in range(low, min(high, low + _CANDIDATES)):
            slot = self.title_slots[index]
            title = self.book(slot)["title"]
            ranked.append((False, False, len(title), title, slot))
        if len(ranked) < limit * 4:
            ranked += self._word_matches(typed, phrase, {r[-1] for r in ranked})
        ranked.sort()
        found, shown = [], set()
        for *_rank, slot in ranked:
            entry = self.book(slot)
            # Many editions share a title: show it once.
            key = (" ".join(self.title_words[slot]), fold(entry["authors"][0]) if entry["authors"] else "")
            if key in shown:
                continue
            shown.add(key)
            found.append(entry)
            if len(found) >= limit:
                break
        return found

    def _word_matches(self, typed: list[str], phrase: str, seen_slots: set[int]) -> list[tuple]:
        ranges = [self._prefix_range(word) for word in typed]
        # Drive from the rarest typed word; check the others per candidate.
        driver = min(range(len(typed)), key=lambda i: ranges[i][1] - ranges[i][0])
        low, high = ranges[driver]
        others = [word for i, word in enumerate(typed) if i != driver]
        ranked = []
        for index in range(low, min(high, low + _SCAN)):
            slot = self.prefix_slots[index]
            if slot in seen_slots:
                continue
            seen_slots.add(slot)
            title_words = self.title_words[slot]
            if others and not all(any(w.startswith(o) for w in self.book_words[slot]) for o in others):
                continue
            in_title = all(any(w.startswith(t) for w in title_words) for t in typed)
            title = self.book(slot)["title"]
            ranked.append((not " ".join(title_words).startswith(phrase), not in_title, len(title), title, slot))
            if len(ranked) >= _CANDIDATES:
                break
        return ranked

    # -- spelling ---------------------------------------------------------

    def correct(self, word: str, seen: int = 0) -> str | None:
        """The likeliest catalogue word for a misspelt word, or None."""
        found = self.candidates(word, seen)
        return found[0] if found else None

    def candidates(self, word: str, seen: int = 0, limit: int = 4) -> list[str]:
        """Catalogue words a misspelt word may have meant, likeliest first
        (1 edit for short words, 2 for longer). A word the catalogue has
        ``seen`` in a few books only yields words used ten times as often:
        "poter" in one summary does not hide "potter"."""
        if not word.isalpha() or len(word) < 3:
            return []
        seen = max(seen, self.vocabulary.get(word, 0))
        most = 1 if len(word) <= 5 else 2
        ranked = []
        for length in range(len(word) - most, len(word) + most + 1):
            choices = self._by_length.get(length)
            if not choices:
                continue
            for candidate, distance, _ in process.extract(
                word, choices, scorer=Levenshtein.distance, score_cutoff=most, limit=20
            ):
                if candidate == word or (seen and self.vocabulary[candidate] < 10 * seen):
                    continue
                # Fewest edits; then a typo rarely hits the first letter;
                # then the word more books use.
                ranked.append(((distance, candidate[0] != word[0], -self.vocabulary[candidate]), candidate))
        ranked.sort()
        return [candidate for _rank, candidate in ranked[:limit]]


def _subject_key(subject: str) -> str:
    return " ".join(words(subject))


def _subject_name(subjects: list[str], key: str) -> str:
    for subject in subjects:
        if _subject_key(subject) == key:
            return subject.strip()
    return key
