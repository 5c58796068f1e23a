"""A faster search backend on tantivy (Rust, from PyPI), behind the same
registry as whoosh: ``PINDAI_SEARCH_BACKEND=tantivy``.

Text is analysed in Python with the same functions as the whoosh backend
(folding, Indonesian then English stemming) and handed to tantivy as
space-separated terms; tantivy stores postings, ranks (BM25), filters and
counts facets (aggregations) natively. The ``Lexicon`` snapshot still serves
autocomplete and "did you mean"."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import tantivy
from tantivy import Occur, Order, Query

from .analysis import stem, words
from .indexed import BOOSTS, REFRESH_SECONDS, STORED_KEYS, IndexedFiles
from .lexicon import SUBJECT_FACET_SIZE, YEAR_RANGES, Filters, Lexicon, _subject_key
from .query import ParsedQuery
from .snapshot import IndexBusy
_FACETS = ("audience", "language", "subject", "availability", "year")


def make_schema():
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name, option in (("title", "position"), ("authors", "position"), ("subjects", "position"), ("summary", "freq")):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option=option)
    builder.add_text_field("codes", tokenizer_name="raw", index_option="basic")
    for name in ("audience", "language", "subject"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_text_field("title_sort", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_integer_field("available", indexed=True, fast=True)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_text_field("book", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def to_document(doc: dict) -> tantivy.Document:
    title = doc["title"] + (" " + doc["subtitle"] if doc.get("subtitle") else "")
    summary = " ".join(filter(None, (doc.get("summary"), doc.get("publisher"))))
    fields = {
        "id": doc["id"],
        "title": " ".join(map(stem, words(title))),
        "authors": " ; ".join(" ".join(words(a)) for a in doc["authors"]),
        "subjects": " ; ".join(" ".join(map(stem, words(s))) for s in doc["subjects"]),
        "summary": " ".join(map(stem, words(summary))),
        "codes": [code.lower() for code in doc["codes"]] or [""],
        "audience": doc.get("audience") or "all",
        "language": doc.get("language") or "",
        "subject": [_subject_key(s) for s in doc["subjects"] if _subject_key(s)] or [""],
        "title_sort": " ".join(words(doc["title"]))[:200],
        "available": int(bool(doc.get("available"))),
        "year": int(doc.get("year") or 0),
        "book": json.dumps({key: doc.get(key) for key in STORED_KEYS}, ensure_ascii=False),
    }
    return tantivy.Document(**fields)


class TantivyBackend(IndexedFiles):
    """Index, update and query books with tantivy."""

    name = "tantivy"

    def __init__(self, location: str):
        super().__init__(location)
        self._schema = make_schema()
        self._index = None
        self._seen = None

    def exists(self) -> bool:
        if self.location == "memory":
            return self._index is not None
        return tantivy.Index.exists(self.location) if Path(self.location).is_dir() else False

    def _open(self):
        with self._lock:
            if self._index is None:
                if self.location == "memory":
                    self._index = tantivy.Index(self._schema)
                else:
                    Path(self.location).mkdir(parents=True, exist_ok=True)
                    self._index = tantivy.Index(self._schema, path=self.location, reuse=True)
            return self._index

    def rebuild(self, documents: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Replace every document in one commit; returns the count indexed."""
        index = self._open()
        # One indexing thread: measured faster than two on this 2-core machine,
        # where Python is busy analysing the next documents.
        writer = self._writer(index, heap_size=256_000_000)
        writer.delete_all_documents()
        count = 0
        for doc in documents:
            writer.add_document(to_document(doc))
            count += 1
            if progress and count % 500 == 0:
                progress(500)
        writer.commit()
        writer.wait_merging_threads()
        if progress:
            progress(count % 500)
        self._invalidate()
        return count

    def update(self, documents: Iterable[dict], removed_ids: Iterable[int] = (), wait: float = 30.0) -> None:
        """Add or replace ``documents``; drop the books in ``removed_ids``.
        Raises ``IndexBusy`` when the lock stays taken ``wait`` seconds."""
        index = self._open()
        writer = self._writer(index, timeout=wait)
        try:
            for book_id in removed_ids:
                writer.delete_documents_by_term("id", book_id)
            for doc in documents:
                writer.delete_documents_by_term("id", doc["id"])
                writer.add_document(to_document(doc))
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        self._invalidate()

    @staticmethod
    def _writer(index, heap_size: int = 15_000_000, timeout: float = 30.0):
        # One writer per index at a time (a lock file): wait for another
        # process's commit rather than fail.
        deadline = time.monotonic() + timeout
        while True:
            try:
                return index.writer(heap_size=heap_size, num_threads=1)
            except ValueError as exc:
                if time.monotonic() > deadline:
                    raise IndexBusy(str(exc)) from exc
                time.sleep(0.05)

    def searcher(self):
        """The searcher of the latest commit: reopened after our own
        commits at once, after other processes' within REFRESH_SECONDS."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is None or self._checked == 0.0 or now - self._checked >= REFRESH_SECONDS:
                stamp = self._stamp()
                if self._searcher is None or self._checked == 0.0 or stamp != self._seen:
                    index = self._open()
                    index.reload()
                    self._searcher = index.searcher()
                    self._seen = stamp
                self._checked = now
            return self._searcher

    def _stamp(self):
        # tantivy rewrites meta.json on every commit.
        if self.location == "memory":
            return None
        try:
            found = (Path(self.location) / "meta.json").stat()
        except FileNotFoundError:
            return None
        return (found.st_mtime_ns, found.st_size)

    def _build_lexicon(self, searcher) -> Lexicon:
        total = searcher.num_docs
        entries: list[dict | None] = []
        if total:
            for _score, address in searcher.search(Query.all_query(), limit=total, count=False).hits:
                entries.append(json.loads(searcher.doc(address)["book"][0]))
        return Lexicon(entries)

    def doc_count(self) -> int:
        return self.searcher().num_docs

    # -- queries ----------------------------------------------------------

    def frequency(self, searcher, word: str, stemmed: str) -> int:
        """In how many books' fields the word occurs (0: likely a typo)."""
        return sum(searcher.doc_freq(field, text) for field, text in (
            ("title", stemmed), ("authors", word), ("subjects", stemmed), ("summary", stemmed)))

    def _term(self, field: str, text: str, boost: float) -> Query:
        return Query.boost_query(Query.term_query(self._schema, field, text), boost)

    def _word_query(self, word: str, boost: float = 1.0) -> Query:
        stemmed = stem(word)
        return Query.boolean_query([
            (Occur.Should, self._term("title", stemmed, BOOSTS["title"] * boost)),
            (Occur.Should, self._term("authors", word, BOOSTS["authors"] * boost)),
            (Occur.Should, self._term("subjects", stemmed, BOOSTS["subjects"] * boost)),
            (Occur.Should, self._term("summary", stemmed, BOOSTS["summary"] * boost)),
            (Occur.Should, self._term("codes", word, BOOSTS["codes"] * boost)),
        ])

    def compile(self, parsed: ParsedQuery, corrections: dict[str, list[str]]) -> tuple[list[Query], list[Query]] | None:
        """(parts that must all match, whole-query code alternatives)."""
        parts = []
        for word in parsed.words:
            query = self._word_query(word)
            if word in corrections:
                query = Query.boolean_query([(Occur.Should, query)] + [
                    (Occur.Should, self._word_query(other, 0.9)) for other in corrections[word]])
            parts.append(query)
        for prefix in parsed.prefixes:
            pattern = prefix + ".*"
            parts.append(Query.boolean_query([
                (Occur.Should, Query.boost_query(Query.regex_query(self._schema, "title", pattern), BOOSTS["title"])),
                (Occur.Should, Query.boost_query(Query.regex_query(self._schema, "authors", pattern), BOOSTS["authors"])),
            ]))
        for phrase in parsed.phrases:
            parts.append(Query.boolean_query([
                (Occur.Should, Query.boost_query(Query.phrase_query(self._schema, "title", [stem(w) for w in phrase]), BOOSTS["title"])),
                (Occur.Should, Query.boost_query(Query.phrase_query(self._schema, "authors", phrase), BOOSTS["authors"])),
            ]))
        codes = [self._term("codes", code, BOOSTS["codes"]) for code in parsed.codes]
        if not parts and not codes:
            return None
        return parts, codes

    @staticmethod
    def _combine(compiled, loose: bool = False) -> Query:
        parts, codes = compiled
        occur = Occur.Should if loose else Occur.Must
        main = Query.boolean_query([(occur, p) for p in parts]) if parts else None
        if codes:
            return Query.boolean_query([(Occur.Should, q) for q in codes + ([main] if main else [])])
        return main

    def _filters(self, filters: Filters) -> dict[str, Query]:
        found = {}
        if filters.audience is not None:
            found["audience"] = Query.term_query(self._schema, "audience", filters.audience)
        if filters.language is not None:
            found["language"] = Query.term_query(self._schema, "language", filters.language)
        if filters.subject is not None:
            found["subject"] = Query.term_query(self._schema, "subject", _subject_key(filters.subject))
        if filters.available is not None:
            found["availability"] = Query.term_query(self._schema, "available", int(filters.available))
        if filters.year_from is not None or filters.year_to is not None:
            found["year"] = Query.range_query(self._schema, "year", tantivy.FieldType.Integer,
                                              max(1, filters.year_from or 1), filters.year_to or 10_000)
        return found

    @staticmethod
    def _and(main: Query | None, filters: list[Query]) -> Query:
        clauses = ([(Occur.Must, main)] if main is not None else []) + [(Occur.Must, f) for f in filters]
        if not clauses:
            return Query.all_query()
        return Query.boolean_query(clauses) if len(clauses) > 1 else clauses[0][1]

    def page(self, searcher, lexicon: Lexicon, parsed: ParsedQuery, corrections: dict[str, list[str]],
             filters: Filters, page: int, per_page: int) -> tuple[list[int], int, dict, bool]:
        """(book ids of the page, total, facets, whether corrections were used)."""
        compiled = self.compile(parsed, corrections)
        main = self._combine(compiled) if compiled else None
        if main is not None and searcher.search(main, limit=1).count == 0:
            typing = parsed.typing()
            completed = None
            if typing is not None:
                kept = {w: c for w, c in corrections.items() if w in typing.words}
                completed = self._combine(self.compile(typing, kept))
            if completed is not None and searcher.search(completed, limit=1).count:
                main, corrections = completed, kept
            else:
                # Any typed word may match, as typed: a correction alone
                # matching would show books about something else.
                main = self._combine(self.compile(parsed, {}), loose=True)
                corrections = {}
        active = self._filters(filters)
        query = self._and(main, list(active.values()))
        offset = (page - 1) * per_page
        if main is None:
            result = searcher.search(query, limit=per_page, offset=offset, order_by_field="title_sort", order=Order.Asc)
        else:
            result = searcher.search(query, limit=per_page, offset=offset)
        addresses = [address for _key, address in result.hits]
        ids = searcher.fast_field_values("id", addresses) if addresses else []
        facets = self._facets(searcher, main, active)
        names = dict(zip(lexicon.subject_keys, lexicon.subject_names))
        for entry in facets["subject"]:
            entry["value"] = names.get(entry["value"], entry["value"])
        return [int(i) for i in ids], result.count, facets, bool(corrections)

    def _facets(self, searcher, main: Query | None, active: dict[str, Query]) -> dict:
        """Each facet counted under every filter but its own; facets whose
        filter is not set share one aggregation request."""
        groups: dict[tuple, list[str]] = {}
        for name in _FACETS:
            others = tuple(sorted(k for k in active if k != name))
            groups.setdefault(others, []).append(name)
        facets = {}
        for others, names in groups.items():
            query = self._and(main, [active[k] for k in others])
            aggs = {name: self._aggregation(name) for name in names}
            answer = searcher.aggregate(query, aggs)
            for name in names:
                facets[name] = self._facet_values(name, answer.get(name, {}))
        return facets

    @staticmethod
    def _aggregation(name: str) -> dict:
        if name == "year":
            ranges = [{"key": label, **({"from": low} if low else {"from": 1}), **({"to": high + 1} if high else {})}
                      for label, low, high in YEAR_RANGES]
            return {"range": {"field": "year", "ranges": ranges}}
        field = {"availability": "available", "subject": "subject"}.get(name, name)
        size = SUBJECT_FACET_SIZE + 1 if name == "subject" else 50
        return {"terms": {"field": field, "size": size}}

    @staticmethod
    def _facet_values(name: str, answer: dict) -> list[dict]:
        buckets = answer.get("buckets", [])
        if name == "year":
            by_label = {b.get("key"): b.get("doc_count", 0) for b in buckets}
            return [{"value": label, "count": by_label[label], "from": low, "to": high}
                    for label, low, high in YEAR_RANGES if by_label.get(label)]
        values = []
        for bucket in buckets:
            key, count = bucket.get("key"), bucket.get("doc_count", 0)
            if key in ("", None) or not count:
                continue
            if name == "availability":
                key = "available" if int(key) else "unavailable"
            values.append({"value": str(key), "count": int(count)})
        return values[:SUBJECT_FACET_SIZE] if name == "subject" else values

    def _related_ids(self, searcher, lexicon: Lexicon, slot: int, entry: dict, limit: int) -> list[int]:
        """Book ids sharing an author (weighted) or subjects with a book."""
        should = [Query.boost_query(Query.phrase_query(self._schema, "authors", words(a)), 3.0)
                  if len(words(a)) > 1 else self._term("authors", words(a)[0], 3.0)
                  for a in entry["authors"] if words(a)]
        should += [Query.term_query(self._schema, "subject", _subject_key(s)) for s in entry["subjects"] if _subject_key(s)]
        if not should:
            return []
        query = Query.boolean_query([(Occur.Should, q) for q in should]
                                    + [(Occur.MustNot, Query.term_query(self._schema, "id", entry["id"]))])
        hits = searcher.search(query, limit=limit).hits
        return [int(i) for i in searcher.fast_field_values("id", [a for _s, a in hits])] if hits else []
