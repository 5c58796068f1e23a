"""What the two indexed-files backends (whoosh, tantivy) share: an index in a
folder of each machine (or in memory for tests), a searcher paired with its
``Lexicon`` snapshot, and the search built on them: spelling corrections
from the lexicon's vocabulary, "did you mean", autocomplete, related books
and a record with copies before its copy-less twin.

A subclass provides the index itself: ``exists``, ``rebuild``, ``update``,
``searcher``, ``_build_lexicon``, ``frequency``, ``page`` and
``_related_ids``."""
from __future__ import annotations

import threading
from typing import Any

from ..catalogue.duplicates import work_key
from .analysis import stem, words
from .backend import SearchResult
from .lexicon import Filters, Lexicon
from .query import ParsedQuery
from .snapshot import Snapshots

# How much a match in each field counts (a title match beats a summary match).
BOOSTS = {"title": 6.0, "authors": 4.0, "subjects": 2.0, "summary": 1.0, "codes": 8.0}
# A searcher checks for commits by other processes at most this often.
REFRESH_SECONDS = 1.0
# What each document stores for the lexicon (facets, autocomplete, spelling).
STORED_KEYS = ("id", "title", "authors", "subjects", "audience", "language", "year", "available", "cover_url",
               "holdings")


class IndexedFiles(Snapshots):
    """Base of the backends whose index is a folder of files (or memory)."""

    name = "indexed"
    in_transaction = False

    def __init__(self, location: str):
        self.location = location
        self._lock = threading.RLock()
        self._init_snapshots()
        self._searcher: Any = None
        self._checked = 0.0

    def _invalidate(self) -> None:
        """Our own commit: the next search reopens the searcher at once."""
        with self._lock:
            self._checked = 0.0

    # -- what a subclass provides -------------------------------------------

    def frequency(self, searcher, word: str, stemmed: str) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def page(self, searcher, lexicon: Lexicon, parsed: ParsedQuery, corrections: dict[str, list[str]],
             filters: Filters, page: int, per_page: int) -> tuple[list[int], int, dict, bool]:  # pragma: no cover
        raise NotImplementedError

    def _related_ids(self, searcher, lexicon: Lexicon, slot: int, entry: dict, limit: int) -> list[int]:
        raise NotImplementedError  # pragma: no cover

    # -- the SearchBackend protocol -----------------------------------------

    def search(self, parsed: ParsedQuery, filters: Filters, page: int, per_page: int) -> SearchResult:
        searcher, lexicon = self.snapshot()
        corrections = self._corrections(searcher, lexicon, parsed)
        book_ids, total, facets, corrected = self.page(searcher, lexicon, parsed, corrections, filters, page, per_page)
        book_ids = holdings_first(lexicon, book_ids)
        suggestion = None
        if corrected and corrections:
            top = book_ids if page == 1 else self.page(searcher, lexicon, parsed, corrections, filters, 1, 1)[0]
            suggestion = _suggestion(lexicon, parsed, corrections, top)
        return SearchResult(book_ids, total, facets, suggestion)

    def _corrections(self, searcher, lexicon: Lexicon, parsed: ParsedQuery) -> dict[str, list[str]]:
        """Per misspelt word, the catalogue words it may have meant."""
        corrections = {}
        for word in parsed.words:
            if lexicon.vocabulary.get(word, 0) >= 3:
                continue  # a word several titles, authors or subjects use is no typo
            found = lexicon.candidates(word, seen=self.frequency(searcher, word, stem(word)))
            if found:
                corrections[word] = found
        return corrections

    def autocomplete(self, text: str, limit: int) -> list[dict]:
        return self.lexicon().complete(text, limit)

    def related(self, book_id: int, limit: int) -> list[int]:
        """Never the book itself, nor another record of it (a duplicate
        import), and each other book once (its record with copies)."""
        searcher, lexicon = self.snapshot()
        slot = lexicon.slot_of.get(book_id)
        if slot is None:
            return []
        entry = lexicon.book(slot)
        seen: set[str | None] = {_work(entry)}
        found = []
        for other in holdings_first(lexicon, self._related_ids(searcher, lexicon, slot, entry, limit + 10)):
            other_slot = lexicon.slot_of.get(other)
            work = _work(lexicon.book(other_slot)) if other_slot is not None else None
            if other == book_id or work in seen:
                continue
            seen.add(work)
            found.append(other)
        return found[:limit]

    def doc_count(self) -> int:
        return len(self.lexicon().slot_of)


def _suggestion(lexicon: Lexicon, parsed: ParsedQuery, corrections: dict[str, list[str]], book_ids: list[int]) -> str:
    """The query with each misspelt word replaced by the candidate the best
    match uses ("harry poter" -> "harry potter", not "harry peter")."""
    slot = lexicon.slot_of.get(book_ids[0]) if book_ids else None
    used = set(lexicon.book_words[slot]) if slot is not None else set()
    return suggestion_text(parsed, corrections, used)


def suggestion_text(parsed: ParsedQuery, corrections: dict[str, list[str]], used: set[str]) -> str:
    """The typed text with each corrected word replaced by the first of its
    candidates among ``used`` (the best match's words), else the likeliest."""
    chosen = {word: next((c for c in candidates if c in used), candidates[0]) for word, candidates in corrections.items()}
    return " ".join(chosen.get(w, w) for w in words(parsed.text))


def _work(entry: dict) -> str:
    return work_key(entry.get("title"), entry.get("authors"))


def holdings_first(lexicon: Lexicon, book_ids: list[int]) -> list[int]:
    """Where two records of one book (same title and first author) are in a
    result, the one with copies comes first: a copy-less duplicate from an
    import never outranks the record the library lends."""
    entries = {}
    for book_id in book_ids:
        slot = lexicon.slot_of.get(book_id)
        if slot is not None:
            entries[book_id] = lexicon.book(slot)
    return holdings_first_of(entries, book_ids)


def holdings_first_of(entries: dict[int, dict], book_ids: list[int]) -> list[int]:
    """``holdings_first`` over summaries (title, authors, holdings) by id."""
    works: dict[str, list[int]] = {}
    for position, book_id in enumerate(book_ids):
        if book_id in entries:
            works.setdefault(_work(entries[book_id]), []).append(position)
    ordered = list(book_ids)
    for positions in works.values():
        if len(positions) < 2:
            continue
        members = sorted((book_ids[p] for p in positions), key=lambda i: not (entries[i].get("holdings") or 0))
        for position, book_id in zip(positions, members):
            ordered[position] = book_id
    return ordered
