"""The pure-Python search backend (``PINDAI_SEARCH_BACKEND=whoosh``): a whoosh
index on disk (or in memory for tests), always rebuildable from the database.

Whoosh ranks (BM25F, a title match weighs more than a summary match); the
``Lexicon`` snapshot of each index generation answers facets, autocomplete
and spelling without touching postings again."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.writing import CLEAR

from .analysis import stem, words
from .indexed import BOOSTS, REFRESH_SECONDS, STORED_KEYS, IndexedFiles
from .lexicon import Filters, Lexicon
from .query import ParsedQuery
from .snapshot import IndexBusy

log = logging.getLogger(__name__)


class WordTokenizer(Tokenizer):
    """Folded words, stemmed (Indonesian, then English) when ``stemming``."""

    def __init__(self, stemming: bool = True):
        self.stemming = stemming

    def __eq__(self, other):
        return type(other) is type(self) and other.stemming == self.stemming

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            yield token
            return
        for position, word in enumerate(words(value)):
            token.text = stem(word) if self.stemming else word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = token.endchar = start_char
            yield token


def make_schema() -> Schema:
    stemmed, plain = WordTokenizer(True), WordTokenizer(False)
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=stemmed, phrase=True),
        authors=TEXT(analyzer=plain, phrase=True),
        subjects=TEXT(analyzer=stemmed, phrase=False),
        summary=TEXT(analyzer=stemmed, phrase=False),
        codes=KEYWORD(lowercase=True),
        book=STORED,
    )


def to_fields(doc: dict) -> dict:
    """A document dict (``documents.document``) as whoosh fields."""
    title = doc["title"] + (" " + doc["subtitle"] if doc.get("subtitle") else "")
    return {
        "id": str(doc["id"]),
        "title": title,
        "authors": " ; ".join(doc["authors"]),
        "subjects": " ; ".join(doc["subjects"]),
        "summary": " ".join(filter(None, (doc.get("summary"), doc.get("publisher")))),
        "codes": " ".join(doc["codes"]),
        "book": {key: doc.get(key) for key in STORED_KEYS},
    }


class WhooshBackend(IndexedFiles):
    """Index, update and query books with whoosh."""

    name = "whoosh"

    def __init__(self, location: str):
        super().__init__(location)
        self._storage = RamStorage() if location == "memory" else None

    # -- the index itself -------------------------------------------------

    def exists(self) -> bool:
        if self._storage is not None:
            return self._storage.index_exists()
        return whoosh_index.exists_in(self.location)

    def _open(self, create: bool = False):
        if self._storage is not None:
            if create or not self._storage.index_exists():
                return self._storage.create_index(make_schema())
            return self._storage.open_index()
        if create or not whoosh_index.exists_in(self.location):
            Path(self.location).mkdir(parents=True, exist_ok=True)
            return whoosh_index.create_in(self.location, make_schema())
        return whoosh_index.open_dir(self.location)

    def rebuild(self, documents: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with ``documents`` in one commit (readers
        keep the old generation until then). Returns the count indexed."""
        ix = self._open(create=not self.exists())
        writer = ix.writer(limitmb=256, timeout=60.0, delay=0.1)  # a worker may be committing
        count = 0
        for doc in documents:
            writer.add_document(**to_fields(doc))
            count += 1
            if progress and count % 500 == 0:
                progress(500)
        writer.commit(mergetype=CLEAR)
        if progress:
            progress(count % 500)
        self._invalidate()
        return count

    def update(self, documents: Iterable[dict], removed_ids: Iterable[int] = (), wait: float = 30.0) -> None:
        """Add or replace ``documents``; drop the books in ``removed_ids``.
        Raises ``IndexBusy`` when the lock stays taken ``wait`` seconds."""
        ix = self._open()
        try:
            writer = ix.writer(timeout=wait, delay=0.05)
        except whoosh_index.LockError as exc:
            raise IndexBusy(str(exc)) from exc
        try:
            for book_id in removed_ids:
                writer.delete_by_term("id", str(book_id))
            for doc in documents:
                writer.update_document(**to_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._invalidate()

    def searcher(self):
        """A searcher on the latest generation, reused between requests."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is None:
                self._searcher = self._open().searcher()
                self._checked = now
            elif now - self._checked >= REFRESH_SECONDS or self._checked == 0.0:
                # Not Searcher.refresh(): it reuses segment readers whose
                # deletions have since changed (and fails on an empty index).
                if not self._searcher.up_to_date():
                    self._searcher = self._open().searcher()
                self._checked = now
            return self._searcher

    def _build_lexicon(self, searcher) -> Lexicon:
        reader = searcher.reader()
        entries: list[dict | None] = [None] * reader.doc_count_all()
        for docnum, stored in reader.iter_docs():
            entries[docnum] = stored["book"]
        return Lexicon(entries)

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    # -- queries ----------------------------------------------------------

    @staticmethod
    def frequency(searcher, word: str, stemmed: str) -> int:
        """In how many books' fields the word occurs (0: likely a typo)."""
        return sum(searcher.doc_frequency(field, text) for field, text in (
            ("title", stemmed), ("authors", word), ("subjects", stemmed), ("summary", stemmed)))

    def compile(self, parsed: ParsedQuery, corrections: dict[str, list[str]]) -> Q.Query | None:
        """The whoosh query: every word must match in some field (a misspelt
        word also matches its correction); phrases match in order."""
        parts = []
        for word in parsed.words:
            alternatives = [self._word_query(word)]
            alternatives += [self._word_query(other, boost=0.9) for other in corrections.get(word, ())]
            parts.append(alternatives[0] if len(alternatives) == 1 else Q.Or(alternatives))
        for prefix in parsed.prefixes:
            parts.append(Q.Or([Q.Prefix("title", prefix, boost=BOOSTS["title"]),
                               Q.Prefix("authors", prefix, boost=BOOSTS["authors"])]))
        for phrase in parsed.phrases:
            parts.append(Q.Or([
                Q.Phrase("title", [stem(w) for w in phrase], boost=BOOSTS["title"]),
                Q.Phrase("authors", phrase, boost=BOOSTS["authors"]),
            ]))
        main = (Q.And(parts) if len(parts) > 1 else parts[0]) if parts else None
        if parsed.codes:
            # The whole query may be an ISBN or a call number: that alone matches.
            codes = [Q.Term("codes", code, boost=BOOSTS["codes"]) for code in parsed.codes]
            return Q.Or(codes + ([main] if main is not None else []))
        return main

    @staticmethod
    def _word_query(word: str, boost: float = 1.0) -> Q.Query:
        stemmed = stem(word)
        return Q.Or([
            Q.Term("title", stemmed, boost=BOOSTS["title"] * boost),
            Q.Term("authors", word, boost=BOOSTS["authors"] * boost),
            Q.Term("subjects", stemmed, boost=BOOSTS["subjects"] * boost),
            Q.Term("summary", stemmed, boost=BOOSTS["summary"] * boost),
            Q.Term("codes", word, boost=BOOSTS["codes"] * boost),
        ])

    @staticmethod
    def loosen(query: Q.Query) -> Q.Query | None:
        """Any word may match (ranked by how many do): the fallback when
        requiring every word finds nothing."""
        if isinstance(query, Q.And):
            return Q.Or(list(query.subqueries))
        if isinstance(query, Q.Or) and query.subqueries and isinstance(query.subqueries[-1], Q.And):
            return Q.Or(list(query.subqueries[:-1]) + list(query.subqueries[-1].subqueries))
        return None

    def matches(self, searcher, query: Q.Query, size: int) -> np.ndarray:
        """Boolean mask of the documents ``query`` matches."""
        mask = np.zeros(size, dtype=bool)
        found = np.fromiter(searcher.docs_for_query(query), dtype=np.int64)
        mask[found] = True
        return mask

    def ranked(self, searcher, query: Q.Query, limit: int, allowed: np.ndarray | None) -> list[int]:
        """Slots of the ``limit`` best matches, restricted to ``allowed``."""
        kwargs = {}
        if allowed is not None:
            kwargs["filter"] = set(np.flatnonzero(allowed).tolist())
        results = searcher.search(query, limit=limit, **kwargs)
        return [hit.docnum for hit in results]

    def page(self, searcher, lexicon: Lexicon, parsed: ParsedQuery, corrections: dict[str, list[str]],
             filters: Filters, page: int, per_page: int) -> tuple[list[int], int, dict, bool]:
        """(book ids of the page, total, facets, whether corrections were used).
        Matches become a boolean mask over document numbers; filters and
        facet counts are numpy operations on the lexicon's columns."""
        size = len(lexicon.entries)
        query = self.compile(parsed, corrections)
        if query is None:
            matched = lexicon.live.copy()
        else:
            matched = self.matches(searcher, query, size)
            typing = parsed.typing() if not matched.any() else None
            if typing is not None:
                # Still typing the last word: "harry pott" means potter.
                kept = {w: c for w, c in corrections.items() if w in typing.words}
                completed = self.compile(typing, kept)
                found = self.matches(searcher, completed, size)
                if found.any():
                    query, matched, corrections = completed, found, kept
            if not matched.any():
                # Any typed word may match, as typed: a correction alone
                # matching would show books about something else.
                loose = self.loosen(self.compile(parsed, {}))
                corrections = {}
                if loose is not None:
                    query = loose
                    matched = self.matches(searcher, query, size)
        masks = lexicon.masks(filters)
        allowed = matched
        for mask in masks.values():
            allowed = allowed & mask
        total = int(np.count_nonzero(allowed))
        facets = lexicon.facets(matched, masks)
        start = (page - 1) * per_page
        if start >= total:
            slots = []
        elif query is None:
            order = lexicon.title_order()
            slots = order[allowed[order]][start:start + per_page].tolist()
        else:
            slots = self.ranked(searcher, query, start + per_page, allowed if masks else None)[start:start + per_page]
        return [int(lexicon.book_ids[s]) for s in slots], total, facets, bool(corrections)

    def _related_ids(self, searcher, lexicon: Lexicon, slot: int, entry: dict, limit: int) -> list[int]:
        """Ids of books sharing an author (first) or subjects with a book."""
        parts = [Q.Phrase("authors", words(author), boost=3.0) for author in entry["authors"] if words(author)]
        parts += [Q.And([Q.Term("subjects", stem(w)) for w in words(s)]) for s in entry["subjects"] if words(s)]
        if not parts:
            return []
        results = searcher.search(Q.Or(parts), limit=limit + 1, mask={slot})
        return [int(lexicon.book_ids[hit.docnum]) for hit in results][:limit]
