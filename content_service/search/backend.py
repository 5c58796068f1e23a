"""What every search backend offers the views and the commands: the
``SearchBackend`` protocol, and the answer of one search.

Two kinds implement it: the indexed-files backends (``indexed.IndexedFiles``:
whoosh and tantivy, an index on each machine's disk kept in step after every
commit) and the PostgreSQL backend, whose documents the database keeps in
the transaction that changes a book (``in_transaction``: nothing to sync)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .lexicon import Filters
from .query import ParsedQuery


@dataclass
class SearchResult:
    book_ids: list[int]
    total: int
    facets: dict
    suggestion: str | None


@runtime_checkable
class SearchBackend(Protocol):
    name: str
    # Where the index lives: a folder, "memory", or the database.
    location: str
    # True when the database keeps the index in the same transaction as the
    # catalogue (no after-commit update, nothing per machine).
    in_transaction: bool

    def exists(self) -> bool:
        """The index is there (else it is built at first use)."""

    def rebuild(self, documents: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index; returns the books indexed."""

    def update(self, documents: Iterable[dict], removed_ids: Iterable[int] = (), wait: float = 30.0) -> None:
        """Add or replace ``documents`` and drop ``removed_ids`` (after a commit)."""

    def warm_up(self) -> None:
        """Prepare what the first search needs (in the background)."""

    def search(self, parsed: ParsedQuery, filters: Filters, page: int, per_page: int) -> SearchResult:
        """One page of matches, facet counts and a "did you mean"."""

    def autocomplete(self, text: str, limit: int) -> list[dict]:
        """Summaries (id, title, authors, cover_url) of books whose title or
        author starts with what was typed."""

    def related(self, book_id: int, limit: int) -> list[int]:
        """Ids of other books by the same author or on the same subjects."""
