"""The PostgreSQL backend's part of the schema: search documents the database
keeps itself, in the transaction that changes a book, its ISBNs or copies.

- ``search_document``: one row per book, ``document`` a weighted tsvector
  (A: title and subtitle, B: authors, C: subjects, D: summary and publisher)
  analysed with PostgreSQL's own ``indonesian`` and ``english`` snowball
  stemmers behind ``unaccent`` (configurations ``pindai_id``, ``pindai_en``)
  and, for titles, authors and subjects, the unstemmed words too
  (``pindai_simple``: prefixes and exact words). Beside it the columns the
  facets, filters, autocomplete and "related" read.
- ``search_word``: every word of the catalogue's titles, authors and
  subjects, trigram-indexed (``pg_trgm``): the "did you mean" candidates.
- Statement triggers (with transition tables) on ``book``, ``isbn`` and
  ``item`` refresh the rows of the books a statement touched: ORM writes,
  Core bulk inserts and raw SQL alike, never after the commit.

Kept outside the SQLAlchemy models: SQLite has none of it (the embedded
backends index files instead). Created by migration 0024 on PostgreSQL, or
at the backend's first use on a database made with ``create_all``; needs the
``unaccent`` and ``pg_trgm`` extensions (created when missing, which takes a
superuser or a database owner on PostgreSQL 13+: trusted extensions)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .lexicon import YEAR_RANGES

TABLES = ("search_document", "search_word", "search_subject")
EXTENSIONS = ("unaccent", "pg_trgm")
# Serialises installs (two workers' first searches on a fresh database).
_LOCK_KEY = 7_202_612
REFRESH_BATCH = 5000
# Word token types of PostgreSQL's parser; hyphenated words are indexed by
# their parts only ("anak-anak" is "anak" twice), as analysis.words splits them.
_WORD_TOKENS = "asciiword, word, numword, hword_asciipart, hword_part, hword_numpart"
_HYPHENATED = "asciihword, hword, numhword"


def include_name(name, type_, _parent_names) -> bool:
    """For Alembic's comparisons: these tables are kept outside the models
    (PostgreSQL only, made by migration 0024 or at first use)."""
    return not (type_ == "table" and name in TABLES)


def extension_schema(conn: Connection, name: str) -> str | None:
    return conn.scalar(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                            "WHERE e.extname = :name"), {"name": name})


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def ensure_extensions(conn: Connection) -> dict[str, str]:
    """The schema of each extension, created in ``public`` when missing."""
    found = {}
    for name in EXTENSIONS:
        schema = extension_schema(conn, name)
        if schema is None:
            conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {name} SCHEMA public"))
            schema = extension_schema(conn, name)
        found[name] = _quote(schema or "public")
    return found


def year_bucket_sql(column: str) -> str:
    """The YEAR_RANGES index of a year column as SQL (-1: no year)."""
    parts = [f"WHEN {column} IS NULL OR {column} = 0 THEN -1"]
    for index, (_label, low, high) in enumerate(YEAR_RANGES):
        conditions = [f"{column} >= {low}" if low is not None else "", f"{column} <= {high}" if high is not None else ""]
        parts.append(f"WHEN {' AND '.join(c for c in conditions if c)} THEN {index}")
    return f"(CASE {' '.join(parts)} ELSE -1 END)"


def _statements(ext: dict[str, str]) -> list[str]:
    unaccent, trgm = ext["unaccent"], ext["pg_trgm"]
    # English stop words ("the", "of") are left out in every configuration:
    # they would match most of the catalogue. They still take a position, so
    # a leading "the" keeps the parts of a document apart for phrases.
    configs = [
        "DROP TEXT SEARCH DICTIONARY IF EXISTS pindai_stop CASCADE",
        "CREATE TEXT SEARCH DICTIONARY pindai_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = english, ACCEPT = false)",
    ]
    for name, dictionaries in (("pindai_id", "pindai_stop, pg_catalog.indonesian_stem"),
                               ("pindai_en", "pg_catalog.english_stem"),
                               ("pindai_simple", "pindai_stop, pg_catalog.simple")):
        configs += [
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name} CASCADE",
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.simple)",
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR {_WORD_TOKENS} WITH {unaccent}.unaccent, {dictionaries}",
            f"ALTER TEXT SEARCH CONFIGURATION {name} DROP MAPPING FOR {_HYPHENATED}",
        ]
    return configs + [
        # Folded words, as analysis.words: lower case, no accents, letters and digits.
        f"""CREATE OR REPLACE FUNCTION pindai_words(value text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT coalesce(array_agg(w ORDER BY n), '{{}}')
            FROM regexp_split_to_table(lower({unaccent}.unaccent(coalesce(value, ''))), '[^[:alnum:]_]+')
                 WITH ORDINALITY AS t(w, n)
            WHERE w <> '' $$""",
        """CREATE OR REPLACE FUNCTION pindai_json_texts(value json) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN json_typeof(value) = 'array' THEN ARRAY(
                SELECT btrim(v) FROM json_array_elements_text(value) WITH ORDINALITY AS t(v, n)
                WHERE btrim(coalesce(v, '')) <> '' ORDER BY n) ELSE '{}' END $$""",
        """CREATE OR REPLACE FUNCTION pindai_isbn10(isbn13 text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN isbn13 ~ '^978[0-9]{10}$' THEN substr(isbn13, 4, 9) || (
                SELECT CASE WHEN c = 10 THEN 'x' ELSE c::text END FROM (
                    SELECT (11 - sum((11 - i) * substr(isbn13, 3 + i, 1)::int) % 11) % 11 AS c
                    FROM generate_series(1, 9) AS i) AS s) END $$""",
        # Words as analysis.words splits them: "J.D." is two words, "899.221"
        # two numbers (PostgreSQL's parser would read a file name, a float).
        """CREATE OR REPLACE FUNCTION pindai_clean(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT regexp_replace(coalesce(value, ''), '[^[:alnum:]]+', ' ', 'g') $$""",
        # Stems in both languages and, with plain, the words as they are.
        """CREATE OR REPLACE FUNCTION pindai_vector(value text, plain boolean) RETURNS tsvector
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT to_tsvector('pindai_id', 'the ' || pindai_clean(value))
                   || to_tsvector('pindai_en', 'the ' || pindai_clean(value))
                   || CASE WHEN plain THEN to_tsvector('pindai_simple', 'the ' || pindai_clean(value))
                           ELSE ''::tsvector END $$""",
        # A typed word matches any of its forms.
        """CREATE OR REPLACE FUNCTION pindai_word_query(word text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT plainto_tsquery('pindai_id', word) || plainto_tsquery('pindai_en', word)
                   || plainto_tsquery('pindai_simple', word) $$""",
        """CREATE OR REPLACE FUNCTION pindai_phrase_query(words text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT phraseto_tsquery('pindai_id', words) || phraseto_tsquery('pindai_en', words)
                   || phraseto_tsquery('pindai_simple', words) $$""",
        """CREATE TABLE IF NOT EXISTS search_document (
            book_id integer PRIMARY KEY REFERENCES book (id) ON DELETE CASCADE,
            document tsvector NOT NULL,
            title text NOT NULL,
            title_key text COLLATE "C" NOT NULL,
            authors text[] NOT NULL,
            author_keys text[] NOT NULL,
            subjects text[] NOT NULL,
            subject_keys text[] NOT NULL,  -- folded, each once
            codes text[] NOT NULL,
            cover_url text,
            audience text NOT NULL,
            language text,
            year integer,
            available boolean NOT NULL,
            holdings integer NOT NULL)""",
        # GIN without a pending list: a search never scans unmerged entries
        # (tens of ms after a large import); each write merges its own.
        "CREATE INDEX IF NOT EXISTS search_document_document ON search_document USING gin (document) "
        "WITH (fastupdate = off)",
        "CREATE INDEX IF NOT EXISTS search_document_codes ON search_document USING gin (codes) "
        "WITH (fastupdate = off)",
        "CREATE INDEX IF NOT EXISTS search_document_author_keys ON search_document USING gin (author_keys) "
        "WITH (fastupdate = off)",
        "CREATE INDEX IF NOT EXISTS search_document_subject_keys ON search_document USING gin (subject_keys) "
        "WITH (fastupdate = off)",
        "CREATE INDEX IF NOT EXISTS search_document_title_key ON search_document (title_key, book_id)",
        "CREATE TABLE IF NOT EXISTS search_word (word text PRIMARY KEY)",
        # How a subject facet is shown: the subject as first written.
        "CREATE TABLE IF NOT EXISTS search_subject (key text PRIMARY KEY, name text NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS search_word_trigrams ON search_word USING gin (word {trgm}.gin_trgm_ops) "
        "WITH (fastupdate = off)",
        # The documents of some books, computed from the catalogue.
        """CREATE OR REPLACE FUNCTION pindai_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
            INSERT INTO search_document AS d (book_id, document, title, title_key, authors, author_keys, subjects,
                subject_keys, codes, cover_url, audience, language, year, available, holdings)
            SELECT b.id,
                   setweight(pindai_vector(concat_ws(' ', b.title, b.subtitle), true), 'A')
                   || setweight(to_tsvector('pindai_simple', 'the ' || pindai_clean(array_to_string(a.names, ' the '))), 'B')
                   || setweight(pindai_vector(array_to_string(s.names, ' the '), true), 'C')
                   || setweight(pindai_vector(concat_ws(' ', b.summary, b.publisher), false), 'D'),
                   coalesce(b.title, ''),
                   left(array_to_string(pindai_words(b.title), ' '), 300),
                   a.names,
                   ARRAY(SELECT array_to_string(pindai_words(n), ' ') FROM unnest(a.names) WITH ORDINALITY AS t(n, o)
                         ORDER BY o),
                   s.names,
                   ARRAY(SELECT k FROM (SELECT array_to_string(pindai_words(n), ' ') AS k, min(o) AS o
                                        FROM unnest(s.names) WITH ORDINALITY AS t(n, o) GROUP BY 1) AS keys
                         WHERE k <> '' ORDER BY o),
                   coalesce(i.codes, '{}')
                   || ARRAY(SELECT pindai_isbn10(c) FROM unnest(i.codes) AS c WHERE pindai_isbn10(c) IS NOT NULL)
                   || CASE WHEN b.call_number IS NULL OR b.call_number = '' THEN '{}'::text[]
                           ELSE ARRAY[lower(regexp_replace(b.call_number, '\\s', '', 'g'))] END,
                   b.cover_url,
                   coalesce(nullif(b.audience, ''), 'all'),
                   nullif(lower(b.language), ''),
                   b.year,
                   coalesce(c.available, false),
                   coalesce(c.holdings, 0)
            FROM book AS b
            CROSS JOIN LATERAL (SELECT pindai_json_texts(b.authors::json) AS names) AS a
            CROSS JOIN LATERAL (SELECT pindai_json_texts(b.subjects::json) AS names) AS s
            LEFT JOIN LATERAL (SELECT array_agg(x.isbn13 ORDER BY x.position) AS codes
                               FROM isbn AS x WHERE x.book_id = b.id) AS i ON true
            LEFT JOIN LATERAL (SELECT bool_or(t.status = 'available') AS available, count(*) AS holdings
                               FROM item AS t WHERE t.book_id = b.id) AS c ON true
            WHERE b.id = ANY(ids)
            ON CONFLICT (book_id) DO UPDATE SET document = EXCLUDED.document, title = EXCLUDED.title,
                title_key = EXCLUDED.title_key, authors = EXCLUDED.authors, author_keys = EXCLUDED.author_keys,
                subjects = EXCLUDED.subjects, subject_keys = EXCLUDED.subject_keys, codes = EXCLUDED.codes,
                cover_url = EXCLUDED.cover_url, audience = EXCLUDED.audience, language = EXCLUDED.language,
                year = EXCLUDED.year, available = EXCLUDED.available, holdings = EXCLUDED.holdings;
            -- New words only, in order (two imports adding words never wait on each other's old ones).
            INSERT INTO search_word (word)
            SELECT DISTINCT w FROM book AS b,
                unnest(pindai_words(concat_ws(' ', b.title, b.subtitle,
                                              array_to_string(pindai_json_texts(b.authors::json), ' '),
                                              array_to_string(pindai_json_texts(b.subjects::json), ' ')))) AS w
            WHERE b.id = ANY(ids) AND length(w) >= 3 AND w ~ '^[[:alpha:]]+$'
              AND NOT EXISTS (SELECT 1 FROM search_word AS x WHERE x.word = w)
            ORDER BY w
            ON CONFLICT DO NOTHING;
            INSERT INTO search_subject (key, name)
            SELECT DISTINCT ON (k) k, n FROM book AS b,
                unnest(pindai_json_texts(b.subjects::json)) AS n, array_to_string(pindai_words(n), ' ') AS k
            WHERE b.id = ANY(ids) AND k <> '' AND NOT EXISTS (SELECT 1 FROM search_subject AS x WHERE x.key = k)
            ORDER BY k, b.id
            ON CONFLICT DO NOTHING $$""",
        # A copy lent or returned changes only the availability columns.
        """CREATE OR REPLACE FUNCTION pindai_search_copies(ids integer[]) RETURNS void LANGUAGE sql AS $$
            UPDATE search_document AS d SET available = coalesce(c.available, false), holdings = coalesce(c.holdings, 0)
            FROM (SELECT id FROM unnest(ids) AS id) AS wanted
            LEFT JOIN LATERAL (SELECT bool_or(t.status = 'available') AS available, count(*) AS holdings
                               FROM item AS t WHERE t.book_id = wanted.id) AS c ON true
            WHERE d.book_id = wanted.id
              AND (d.available, d.holdings) IS DISTINCT FROM (coalesce(c.available, false), coalesce(c.holdings, 0)) $$""",
        """CREATE OR REPLACE FUNCTION pindai_search_books_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pindai_search_refresh(ARRAY(SELECT id FROM changed)); RETURN NULL; END $$""",
        """CREATE OR REPLACE FUNCTION pindai_search_isbns_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pindai_search_refresh(ARRAY(SELECT DISTINCT book_id FROM changed)); RETURN NULL; END $$""",
        """CREATE OR REPLACE FUNCTION pindai_search_isbns_moved() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pindai_search_refresh(ARRAY(SELECT book_id FROM changed UNION SELECT book_id FROM before));
            RETURN NULL; END $$""",
        """CREATE OR REPLACE FUNCTION pindai_search_items_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pindai_search_copies(ARRAY(SELECT DISTINCT book_id FROM changed)); RETURN NULL; END $$""",
        """CREATE OR REPLACE FUNCTION pindai_search_items_moved() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pindai_search_copies(ARRAY(SELECT book_id FROM changed UNION SELECT book_id FROM before));
            RETURN NULL; END $$""",
        *_triggers(),
    ]


_TRIGGERS = (
    # (name, table, event, transition tables, function)
    ("search_book_insert", "book", "INSERT", "NEW TABLE AS changed", "pindai_search_books_changed"),
    ("search_book_update", "book", "UPDATE", "NEW TABLE AS changed", "pindai_search_books_changed"),
    ("search_isbn_insert", "isbn", "INSERT", "NEW TABLE AS changed", "pindai_search_isbns_changed"),
    ("search_isbn_update", "isbn", "UPDATE", "OLD TABLE AS before NEW TABLE AS changed", "pindai_search_isbns_moved"),
    ("search_isbn_delete", "isbn", "DELETE", "OLD TABLE AS changed", "pindai_search_isbns_changed"),
    ("search_item_insert", "item", "INSERT", "NEW TABLE AS changed", "pindai_search_items_changed"),
    ("search_item_update", "item", "UPDATE", "OLD TABLE AS before NEW TABLE AS changed", "pindai_search_items_moved"),
    ("search_item_delete", "item", "DELETE", "OLD TABLE AS changed", "pindai_search_items_changed"),
)


def _triggers() -> list[str]:
    statements = []
    for name, table, event, tables, function in _TRIGGERS:
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables} "
                          f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    return statements


def install(conn: Connection) -> None:
    """Create (or bring up to date) the configurations, tables, functions and
    triggers, in the connection's transaction; idempotent. The documents are
    made with the configurations: ``fill`` them after."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    ext = ensure_extensions(conn)
    for statement in _statements(ext):
        conn.execute(text(statement))


def is_installed(conn: Connection) -> bool:
    return bool(conn.scalar(text("SELECT to_regclass('search_document') IS NOT NULL")))


def fill(conn: Connection, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every book's document (writers wait meanwhile); returns the count."""
    conn.execute(text("LOCK TABLE book, isbn, item IN SHARE MODE"))
    conn.execute(text("TRUNCATE search_document, search_word, search_subject"))
    # The indexes are built whole after the rows (faster than row by row).
    indexes = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                                "AND tablename IN ('search_document', 'search_word') AND indexdef LIKE '%USING gin%'")).all()
    for name, _definition in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    ids = conn.scalars(text("SELECT id FROM book ORDER BY id")).all()
    for start in range(0, len(ids), REFRESH_BATCH):
        chunk = ids[start:start + REFRESH_BATCH]
        conn.execute(text("SELECT pindai_search_refresh(CAST(:ids AS integer[]))"), {"ids": list(chunk)})
        if progress:
            progress(len(chunk))
    for _name, definition in indexes:
        conn.execute(text(definition))
    conn.execute(text("ANALYZE search_document"))
    conn.execute(text("ANALYZE search_word"))
    return len(ids)


def uninstall(conn: Connection) -> None:
    for name, table, *_rest in _TRIGGERS:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
    for table in TABLES:
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    for function in ("pindai_search_books_changed()", "pindai_search_isbns_changed()", "pindai_search_isbns_moved()",
                     "pindai_search_items_changed()", "pindai_search_items_moved()",
                     "pindai_search_refresh(integer[])", "pindai_search_copies(integer[])",
                     "pindai_word_query(text)", "pindai_phrase_query(text)", "pindai_vector(text, boolean)",
                     "pindai_isbn10(text)", "pindai_json_texts(json)", "pindai_words(text)", "pindai_clean(text)"):
        conn.execute(text(f"DROP FUNCTION IF EXISTS {function}"))
    for name in ("pindai_id", "pindai_en", "pindai_simple"):
        conn.execute(text(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}"))
    conn.execute(text("DROP TEXT SEARCH DICTIONARY IF EXISTS pindai_stop"))
