"""The PostgreSQL full-text backend (``PINDAI_SEARCH_BACKEND=postgres``, the
default on PostgreSQL): queries over ``search_document`` and ``search_word``
(``postgres_schema``), which the database keeps in the transaction that
changes a book. Nothing lives in a worker or on a machine's disk: every
server sees a change the moment it is committed.

- matching: every typed word in any of its forms (Indonesian stem, English
  stem, as typed), a misspelt one also as the words it may have meant
  (``pg_trgm`` over ``search_word``), the last word still being typed as a
  prefix, quoted phrases in order, an ISBN or call number on its own;
- ranking: ``ts_rank_cd`` over the weighted document (title A, authors B,
  subjects C, summary D, shorter documents first), an ISBN or call number
  match above all, computed for the matches of one page only;
- facets: one SQL pass over the matches, each facet under every filter but
  its own;
- autocomplete: folded titles by prefix (a B-tree in byte order), then the
  title and author words by prefix (``word:*AB``);
- related: shared authors (3 each) and subjects (1 each)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace

from rapidfuzz.distance import Levenshtein
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from . import postgres_schema as schema
from .analysis import fold, words
from .backend import SearchResult
from .indexed import holdings_first_of, suggestion_text
from .lexicon import SUBJECT_FACET_SIZE, YEAR_RANGES, Filters, _subject_key
from .query import ParsedQuery

# ts_rank_cd weights {D, C, B, A}: the embedded backends' boosts (summary 1,
# subjects 2, authors 4, title 6) over the title's.
RANK_WEIGHTS = "{0.1667, 0.3333, 0.6667, 1.0}"
# Normalisation 1: rank / (1 + log(document length)): "The Hobbit" before
# "The Hobbit and The Lord of the Rings boxed set".
RANK_NORMALISATION = 1
CODE_RANK = 10.0
# Autocomplete ranks at most this many candidates of each kind.
_CANDIDATES = 100
# "Did you mean": trigram candidates per misspelt word, and the counts read.
_TRIGRAM_CANDIDATES = 40
_COUNT_CAP = 1000
# Costly answers (at least CACHE_FROM matches, or a misspelt word) are kept,
# CACHE_SIZE of them per worker, per catalogue version.
CACHE_FROM = 2000
CACHE_SIZE = 256
_CANDIDATE_COUNT_CAP = 200
# A page is ranked among at most this many matches (found in index order).
RANK_CANDIDATES = 5000
_SUGGEST_LIMIT = 4
_YEAR_BUCKET = schema.year_bucket_sql("d.year")
_FACETS = ("audience", "language", "subject", "availability", "year")


class _Binds:
    """Bind parameters of one statement, named in order."""

    def __init__(self):
        self.params: dict[str, object] = {}

    def __call__(self, value, cast: str | None = None) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"CAST(:{name} AS {cast})" if cast else f":{name}"


def _quoted(word: str) -> str:
    """A folded word (letters, digits, underscores) as a tsquery lexeme."""
    return "'" + word.replace("'", "''").replace("\\", "") + "'"


class PostgresBackend:
    """Search the catalogue with PostgreSQL's full-text search."""

    name = "postgres"
    location = "database"
    in_transaction = True

    def __init__(self, engine: Engine):
        self.engine = engine
        self._installed = False
        self._trgm: str | None = None
        self._stops: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple, SearchResult] = OrderedDict()

    # -- the index ----------------------------------------------------------

    def exists(self) -> bool:
        if not self._installed:
            with self.engine.connect() as conn:
                self._installed = schema.is_installed(conn)
        return self._installed

    def rebuild(self, documents: Iterable[dict] | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Install the schema part and recompute every document (the
        database reads the catalogue itself: ``documents`` is not used)."""
        with self.engine.begin() as conn:
            schema.install(conn)
            count = schema.fill(conn, progress)
        self._installed = True
        return count

    def update(self, documents: Iterable[dict], removed_ids: Iterable[int] = (), wait: float = 30.0) -> None:
        """Nothing to do: the triggers updated the documents in the commit."""

    def warm_up(self) -> None:
        """Nothing to prepare: no state in the worker."""

    def doc_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM search_document")) or 0

    def _trigram_schema(self, conn: Connection) -> str:
        if self._trgm is None:
            found = schema.extension_schema(conn, "pg_trgm")
            self._trgm = '"' + (found or "public").replace('"', '""') + '"'
        return self._trgm

    # -- search -------------------------------------------------------------

    def search(self, parsed: ParsedQuery, filters: Filters, page: int, per_page: int) -> SearchResult:
        """Typically one statement: the page, the facets, the total and how
        many books use each typed word (a word few use may be misspelt);
        more only for a misspelt word or a query nothing matches."""
        active = self._filters(filters)
        with self.engine.connect() as conn:
            # Answers matching many books cost the most (facets over all of
            # them): kept per catalogue version, as resolve answers are, so
            # a change (a loan too) is seen at once by every server.
            version = conn.scalar(text("SELECT version FROM catalogue_state WHERE id = 1")) or 0
            key = (version, tuple(parsed.words), tuple(parsed.prefixes), tuple(map(tuple, parsed.phrases)),
                   tuple(parsed.codes), parsed.open_end, tuple(sorted(vars(filters).items())), page, per_page)
            with self._lock:
                cached = self._answers.get(key)
                if cached is not None:
                    self._answers.move_to_end(key)
                    return cached
            result, costly = self._search(conn, parsed, active, page, per_page)
        if costly:
            with self._lock:
                self._answers[key] = result
                while len(self._answers) > CACHE_SIZE:
                    self._answers.popitem(last=False)
        return result

    def _search(self, conn: Connection, parsed: ParsedQuery, active, page: int, per_page: int) -> tuple[SearchResult, bool]:
        """(the answer, whether it was costly: many matches, or a misspelt
        word's or an unmatched query's further statements)."""
        stops = self._stop_words(conn, parsed.words)
        if stops:
            # Stop words ("the", "of") are in no document: left out. A query
            # of nothing else finds nothing (not the whole catalogue).
            parsed = replace(parsed, words=[w for w in parsed.words if w not in stops])
            if parsed.empty:
                return SearchResult([], 0, {name: [] for name in _FACETS}, None), False
        suspects = [w for w in parsed.words if w.isalpha() and len(w) >= 3]
        match = self._match(parsed, {})
        run = self._run(conn, match, active, page, per_page, suspects)
        used = run["used"]
        corrections: dict[str, list[str]] = {}
        # A word few titles, authors or subjects use may be misspelt; when the
        # query matched as typed, only one none uses (a name in a title is
        # rare, yet no typo: its near words would need ten times its uses).
        rare = {w: used[w] for w in suspects if used[w] < (1 if run["matched"] else 3)}
        if rare:
            corrections = self._corrections(conn, rare)
        costly = run["matched"] >= CACHE_FROM
        if corrections or run["matched"] == 0:
            match, corrections = self._choose_match(conn, parsed, corrections)
            run = self._run(conn, match, active, page, per_page)
            costly = True
        rows = run["rows"]
        entries = {row["id"]: row for row in rows}
        book_ids = holdings_first_of(entries, [row["id"] for row in rows])
        suggestion = None
        if corrections:
            top = book_ids[:1] if page == 1 else [r["id"] for r in self._run(conn, match, active, 1, 1)["rows"]]
            found = conn.execute(text("SELECT title, authors FROM search_document WHERE book_id = :id"),
                                 {"id": top[0]}).first() if top else None
            used_words = set(words(found.title)) | set(words(" ".join(found.authors))) if found is not None else set()
            suggestion = suggestion_text(parsed, corrections, used_words)
        return SearchResult(book_ids, run["total"], run["facets"], suggestion), costly or run["matched"] >= CACHE_FROM

    def _stop_words(self, conn: Connection, typed: list[str]) -> set[str]:
        """The stop words among ``typed`` (asked once per word and process:
        the configuration does not change)."""
        unknown = [w for w in typed if w not in self._stops]
        if unknown:
            if len(self._stops) > 50_000:
                self._stops.clear()
            for word, stop in conn.execute(text(
                    "SELECT w, numnode(plainto_tsquery('pindai_simple', w)) = 0 FROM unnest(CAST(:words AS text[])) AS w"),
                    {"words": unknown}):
                self._stops[word] = bool(stop)
        return {w for w in typed if self._stops.get(w)}

    def _tsquery(self, bind: _Binds, parsed: ParsedQuery, corrections: dict[str, list[str]], loose: bool = False) -> str | None:
        """The tsquery expression of a parsed query, or None (no words)."""
        parts = []
        for word in parsed.words:
            forms = [word, *corrections.get(word, ())]
            alternatives = [f"pindai_word_query({bind(form)})" for form in forms]
            parts.append(alternatives[0] if len(alternatives) == 1 else "(" + " || ".join(alternatives) + ")")
        for prefix in parsed.prefixes:
            parts.append(f"to_tsquery('pindai_simple', {bind(_quoted(prefix) + ':*AB')})")
        for phrase in parsed.phrases:
            parts.append(f"pindai_phrase_query({bind(' '.join(phrase))})")
        if not parts:
            return None
        return "(" + (" || " if loose else " && ").join(parts) + ")"

    def _match(self, parsed: ParsedQuery, corrections: dict[str, list[str]], loose: bool = False):
        """(WHERE condition, rank expression, binds) of a query; (None, None,
        binds) for an empty one (everything, by title)."""
        bind = _Binds()
        tsquery = self._tsquery(bind, parsed, corrections, loose)
        codes = list(dict.fromkeys([*parsed.codes, *(w for w in parsed.words if any(c.isdigit() for c in w))]))
        conditions, ranks = [], []
        if tsquery is not None:
            conditions.append(f"d.document @@ {tsquery}")
            ranks.append(f"ts_rank_cd('{RANK_WEIGHTS}', d.document, {tsquery}, {RANK_NORMALISATION})")
        if codes:
            overlap = f"d.codes && {bind([c.lower() for c in codes], 'text[]')}"
            conditions.append(overlap)
            ranks.append(f"(CASE WHEN {overlap} THEN {CODE_RANK} ELSE 0 END)")
        if not conditions:
            return None, None, bind
        return "(" + " OR ".join(conditions) + ")", " + ".join(ranks), bind

    def _any(self, conn: Connection, match) -> bool:
        condition, _rank, bind = match
        return conn.execute(text(f"SELECT 1 FROM search_document AS d WHERE {condition} LIMIT 1"), bind.params).first() is not None

    def _choose_match(self, conn: Connection, parsed: ParsedQuery, corrections: dict[str, list[str]]):
        """(match, corrections): the query as typed with its corrections;
        else, while the last word is still being typed, with it as a prefix;
        else any word, as typed (a correction alone matching would show
        books about something else)."""
        match = self._match(parsed, corrections)
        if match[0] is None or self._any(conn, match):
            return match, corrections
        typing = parsed.typing()
        if typing is not None:
            kept = {w: c for w, c in corrections.items() if w in typing.words}
            completed = self._match(typing, kept)
            if completed[0] is not None and self._any(conn, completed):
                return completed, kept
        return self._match(parsed, {}, loose=True), {}

    def _filters(self, filters: Filters) -> dict[str, tuple[str, dict]]:
        """Per active filter, (condition, its binds)."""
        found: dict[str, tuple[str, dict]] = {}
        if filters.audience is not None:
            found["audience"] = ("d.audience = :f_audience", {"f_audience": filters.audience})
        if filters.language is not None:
            found["language"] = ("d.language = :f_language", {"f_language": filters.language})
        if filters.subject is not None:
            found["subject"] = ("d.subject_keys @> ARRAY[CAST(:f_subject AS text)]",
                                {"f_subject": _subject_key(filters.subject)})
        if filters.available is not None:
            found["availability"] = ("d.available = :f_available", {"f_available": bool(filters.available)})
        if filters.year_from is not None or filters.year_to is not None:
            found["year"] = ("(d.year > 0 AND d.year >= :f_year_from AND d.year <= :f_year_to)",
                             {"f_year_from": max(1, filters.year_from or 1), "f_year_to": filters.year_to or 10_000})
        return found

    def _run(self, conn: Connection, match, active: dict[str, tuple[str, dict]], page: int, per_page: int,
             suspects: list[str] | None = None) -> dict:
        """One statement: the page (ranked, or by title with no query), the
        total under every filter, the matches under none, the facets (each
        under every filter but its own) and, per suspect word, how many
        documents (at most 3) use it in a title, author or subject."""
        condition, rank, bind = match
        params = dict(bind.params)
        flags = {}
        for name in _FACETS:
            if name in active:
                flags[name] = active[name][0]
                params.update(active[name][1])
            else:
                flags[name] = "true"

        def others(name: str | None) -> str:
            kept = [f"f_{other}" for other in flags if other != name and flags[other] != "true"]
            return " AND ".join(kept) or "true"

        where = f"WHERE {condition}" if condition else ""
        every = " AND ".join(([condition] if condition else []) + [sql for sql, _p in active.values()])
        page_where = f"WHERE {every}" if every else ""
        if rank:
            # Ranked among the first RANK_CANDIDATES matches only: a word half
            # the catalogue uses would otherwise rank tens of thousands of books.
            page_sql = f"""SELECT d.book_id, d.title, d.authors, d.holdings FROM (
                               SELECT * FROM search_document AS d {page_where} LIMIT {RANK_CANDIDATES}) AS d
                           ORDER BY {rank} DESC, d.title_key, d.book_id LIMIT :limit OFFSET :offset"""
        else:
            page_sql = f"""SELECT d.book_id, d.title, d.authors, d.holdings FROM search_document AS d {page_where}
                           ORDER BY d.title_key, d.book_id LIMIT :limit OFFSET :offset"""
        suspects = suspects or []
        params.update(limit=per_page, offset=(page - 1) * per_page, suspects=suspects)
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT d.audience, d.language, d.available, {_YEAR_BUCKET} AS bucket, d.subject_keys,
                       {flags['audience']} AS f_audience, {flags['language']} AS f_language,
                       {flags['subject']} AS f_subject, {flags['availability']} AS f_availability,
                       {flags['year']} AS f_year
                FROM search_document AS d {where})
            SELECT 'total' AS facet, NULL AS value,
                   count(*) FILTER (WHERE {others(None)}) AS count, count(*) AS matched,
                   (SELECT json_agg(json_build_array(p.book_id, p.title, p.authors, p.holdings))
                    FROM ({page_sql}) AS p) AS page,
                   (SELECT json_object_agg(w, (SELECT count(*) FROM (
                        SELECT 1 FROM search_document AS d
                        WHERE d.document @@ to_tsquery('pindai_simple', quote_literal(w) || '\\:ABC') LIMIT 3) AS u))
                    FROM unnest(CAST(:suspects AS text[])) AS w) AS used
            FROM m
            UNION ALL
            SELECT CASE WHEN GROUPING(audience) = 0 THEN 'audience' WHEN GROUPING(language) = 0 THEN 'language'
                        WHEN GROUPING(available) = 0 THEN 'availability' ELSE 'year' END,
                   coalesce(audience, language, available::text, bucket::text),
                   CASE WHEN GROUPING(audience) = 0 THEN count(*) FILTER (WHERE {others('audience')})
                        WHEN GROUPING(language) = 0 THEN count(*) FILTER (WHERE {others('language')})
                        WHEN GROUPING(available) = 0 THEN count(*) FILTER (WHERE {others('availability')})
                        ELSE count(*) FILTER (WHERE {others('year')}) END, NULL, NULL, NULL
            FROM m GROUP BY GROUPING SETS ((audience), (language), (available), (bucket))
            UNION ALL
            SELECT 'subject', coalesce((SELECT n.name FROM search_subject AS n WHERE n.key = top.key), top.key),
                   top.count, NULL, NULL, NULL
            FROM (SELECT key, count(*) AS count FROM m, unnest(m.subject_keys) AS key WHERE {others('subject')}
                  GROUP BY key ORDER BY count(*) DESC, key LIMIT {SUBJECT_FACET_SIZE}) AS top
        """
        found: dict = {"total": 0, "matched": 0, "rows": [], "used": {w: 0 for w in suspects}}
        grouped: dict[str, list[tuple[str, int]]] = {name: [] for name in _FACETS}
        for facet, value, count, matched, page_rows, used in conn.execute(text(sql), params):
            if facet == "total":
                found.update(total=int(count), matched=int(matched))
                found["rows"] = [{"id": r[0], "title": r[1], "authors": r[2], "holdings": r[3]} for r in page_rows or ()]
                found["used"].update(used or {})
            elif count and value is not None:
                grouped[facet].append((value, int(count)))
        grouped["subject"].sort(key=lambda r: -r[1])  # the union keeps no order
        facets: dict[str, list[dict]] = {}
        for facet in ("audience", "language"):
            facets[facet] = [{"value": v, "count": c} for v, c in sorted(grouped[facet], key=lambda r: (-r[1], r[0]))]
        facets["subject"] = [{"value": v.strip(), "count": c} for v, c in grouped["subject"]]
        by_state = dict(grouped["availability"])
        facets["availability"] = [{"value": label, "count": by_state[key]}
                                  for label, key in (("available", "true"), ("unavailable", "false")) if by_state.get(key)]
        by_bucket = {int(v): c for v, c in grouped["year"]}
        facets["year"] = [{"value": label, "count": by_bucket[i], "from": low, "to": high}
                          for i, (label, low, high) in enumerate(YEAR_RANGES) if by_bucket.get(i)]
        found["facets"] = facets
        return found

    # -- "did you mean" -----------------------------------------------------

    def _corrections(self, conn: Connection, rare: dict[str, int]) -> dict[str, list[str]]:
        """Per misspelt word (``rare``: words few titles, authors or subjects
        use, with that count), the catalogue words it may have meant,
        likeliest first, as ``Lexicon.candidates``: 1 edit for short words, 2
        for longer; a word seen in a few books yields only words used ten
        times as often."""
        rows = conn.execute(text(f"""
            SELECT w, (SELECT count(*) FROM (SELECT 1 FROM search_document AS d
                        WHERE d.document @@ pindai_word_query(w) LIMIT {_COUNT_CAP}) AS s)
            FROM unnest(CAST(:words AS text[])) AS w"""), {"words": list(rare)}).all()
        misspelt = {w: max(int(seen), rare[w]) for w, seen in rows}
        trgm = self._trigram_schema(conn)
        found = conn.execute(text(f"""
            SELECT w.word, c.word FROM unnest(CAST(:words AS text[])) AS w(word)
            CROSS JOIN LATERAL (
                SELECT x.word FROM search_word AS x
                WHERE x.word OPERATOR({trgm}.%) w.word
                  AND length(x.word) BETWEEN length(w.word) - 2 AND length(w.word) + 2 AND x.word <> w.word
                ORDER BY {trgm}.similarity(x.word, w.word) DESC LIMIT {_TRIGRAM_CANDIDATES}) AS c"""),
            {"words": list(misspelt)}).all()
        near: dict[str, list[tuple[int, str]]] = {}
        for word, candidate in found:
            most = 1 if len(word) <= 5 else 2
            distance = Levenshtein.distance(word, candidate, score_cutoff=most)
            if distance <= most:
                near.setdefault(word, []).append((distance, candidate))
        wanted = sorted({c for pairs in near.values() for _d, c in pairs})
        if not wanted:
            return {}
        counts: dict[str, int] = dict(conn.execute(text(f"""
            SELECT c, (SELECT count(*) FROM (SELECT 1 FROM search_document AS d
                       WHERE d.document @@ to_tsquery('pindai_simple', quote_literal(c) || '\\:ABC')
                       LIMIT {_CANDIDATE_COUNT_CAP}) AS s)
            FROM unnest(CAST(:words AS text[])) AS c"""), {"words": wanted}).all())
        corrections = {}
        for word, pairs in near.items():
            seen = misspelt[word]
            ranked = sorted(((distance, candidate[0] != word[0], -counts.get(candidate, 0)), candidate)
                            for distance, candidate in pairs
                            if counts.get(candidate, 0)
                            and not (seen and counts[candidate] < min(10 * seen, _CANDIDATE_COUNT_CAP)))
            if ranked:
                corrections[word] = [candidate for _rank, candidate in ranked[:_SUGGEST_LIMIT]]
        return corrections

    # -- autocomplete -------------------------------------------------------

    def autocomplete(self, text_typed: str, limit: int) -> list[dict]:
        """Books whose title starts with what was typed so far, then books
        whose title (or author) words do; every typed word must match, the
        last one as a prefix. Shorter titles first within each kind; a
        title shared by many editions once."""
        typed = words(text_typed)
        if not typed:
            return []
        phrase = " ".join(typed)
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT book_id, title, authors, cover_url, title_key FROM search_document "
                "WHERE title_key >= :low AND title_key < :high ORDER BY title_key, book_id LIMIT :n"),
                {"low": phrase, "high": phrase + "\U0010ffff", "n": _CANDIDATES}).all()
            ranked = [((False, False, len(r.title), r.title, r.book_id), r) for r in rows]
            if len(ranked) < limit * 4:
                seen = {r.book_id for r in rows}
                every = " & ".join(_quoted(w) + ":*AB" for w in typed)
                in_title = " & ".join(_quoted(w) + ":*A" for w in typed)
                more = conn.execute(text(
                    "SELECT book_id, title, authors, cover_url, title_key, "
                    "       document @@ to_tsquery('pindai_simple', :in_title) AS in_title "
                    "FROM search_document WHERE document @@ to_tsquery('pindai_simple', :every) "
                    "ORDER BY length(title), book_id LIMIT :n"),
                    {"every": every, "in_title": in_title, "n": _CANDIDATES * 4}).all()
                for r in more:
                    if r.book_id in seen:
                        continue
                    if not all(any(w.startswith(t) for w in words(r.title) + words(" ".join(r.authors))) for t in typed):
                        continue  # a stem matched, not a word
                    ranked.append(((not r.title_key.startswith(phrase), not r.in_title, len(r.title), r.title,
                                    r.book_id), r))
        ranked.sort(key=lambda pair: pair[0])
        found, shown = [], set()
        for _rank, r in ranked:
            key = (r.title_key, fold(r.authors[0]) if r.authors else "")
            if key in shown:
                continue
            shown.add(key)
            found.append({"id": r.book_id, "title": r.title, "authors": list(r.authors), "cover_url": r.cover_url})
            if len(found) >= limit:
                break
        return found

    # -- related ------------------------------------------------------------

    def related(self, book_id: int, limit: int) -> list[int]:
        """Ids of books sharing an author (3 each) or subjects (1 each); never
        the book itself nor another record of it, each other book once (its
        record with copies first)."""
        from ..catalogue.duplicates import work_key

        with self.engine.connect() as conn:
            me = conn.execute(text("SELECT title, authors, author_keys, subject_keys FROM search_document "
                                   "WHERE book_id = :id"), {"id": book_id}).first()
            if me is None or not (me.author_keys or me.subject_keys):
                return []
            rows = conn.execute(text("""
                SELECT d.book_id, d.title, d.authors, d.holdings,
                       3 * cardinality(ARRAY(SELECT unnest(d.author_keys) INTERSECT SELECT unnest(CAST(:authors AS text[]))))
                       + cardinality(ARRAY(SELECT unnest(d.subject_keys) INTERSECT SELECT unnest(CAST(:subjects AS text[]))))
                       AS score
                FROM search_document AS d
                WHERE d.book_id <> :id AND (d.author_keys && CAST(:authors AS text[])
                                            OR d.subject_keys && CAST(:subjects AS text[]))
                ORDER BY score DESC, d.holdings > 0 DESC, d.title_key, d.book_id LIMIT :n"""),
                {"id": book_id, "authors": [a for a in me.author_keys if a], "subjects": [s for s in me.subject_keys if s],
                 "n": limit + 10}).all()
        entries = {r.book_id: {"title": r.title, "authors": r.authors, "holdings": r.holdings} for r in rows}
        seen = {work_key(me.title, me.authors)}
        found = []
        for other in holdings_first_of(entries, [r.book_id for r in rows]):
            work = work_key(entries[other]["title"], entries[other]["authors"])
            if work in seen:
                continue
            seen.add(work)
            found.append(other)
        return found[:limit]
