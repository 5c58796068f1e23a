"""A searcher paired with the ``Lexicon`` of the same index generation.

Building a lexicon reads every stored book: a second or more at 100,000
titles. A small index rebuilds it at once, so a change is visible to the
very next search; a large one keeps answering from the previous pair while
a background thread builds the next (at most every REBUILD_EVERY seconds),
so a librarian's edit or a loan never makes a visitor wait: a large
catalogue's search shows a change within about ten seconds."""
from __future__ import annotations

import gc
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from .lexicon import Lexicon

log = logging.getLogger(__name__)


class IndexBusy(RuntimeError):
    """Another writer (a rebuild, another worker) holds the index lock."""

# From this many documents on, a new lexicon is built in the background,
# at most once per REBUILD_EVERY seconds: every loan changes a book's
# availability, and each worker rebuilds its own lexicon.
BACKGROUND_FROM = 20_000
REBUILD_EVERY = 10.0


class Snapshots:
    """Mixin for backends: ``snapshot()`` -> (searcher, lexicon). A backend
    provides ``searcher()``, ``_build_lexicon(searcher)`` and ``_lock``."""

    _snapshot: tuple[Any, Lexicon] | None = None
    _building = False
    _installed_at = 0.0

    if TYPE_CHECKING:  # what the backend provides
        _lock: threading.RLock

        def searcher(self) -> Any: ...
        def exists(self) -> bool: ...
        def _build_lexicon(self, searcher: Any) -> Lexicon: ...

    def _init_snapshots(self) -> None:
        # Held while a first snapshot is built, so a search arriving during
        # a warm-up waits for it instead of building a second one.
        self._first = threading.Lock()

    def snapshot(self) -> tuple[Any, Lexicon]:
        searcher = self.searcher()
        with self._lock:
            current = self._snapshot
            if current is not None and current[0] is searcher:
                return current
            if current is not None and len(current[1].entries) >= BACKGROUND_FROM:
                if not self._building and time.monotonic() - self._installed_at >= REBUILD_EVERY:
                    self._building = True
                    threading.Thread(target=self._refresh, args=(searcher,), daemon=True,
                                     name="pindai-search-lexicon").start()
                return current
        with self._first:
            with self._lock:
                current = self._snapshot
                if current is not None and current[0] is searcher:
                    return current
            return self._install(searcher)

    def warm_up(self) -> None:
        """Build the first snapshot in the background (a worker's first
        visitor then need not wait for it)."""
        def build():
            try:
                if self.exists():
                    self.snapshot()
            except Exception:
                log.exception("search warm-up failed")

        threading.Thread(target=build, daemon=True, name="pindai-search-warm-up").start()

    def lexicon(self) -> Lexicon:
        return self.snapshot()[1]

    def _install(self, searcher: Any) -> tuple[Any, Lexicon]:
        lexicon = self._build_lexicon(searcher)
        if len(lexicon.entries) >= BACKGROUND_FROM:
            # Millions of long-lived small objects: keep them out of the
            # cyclic collector's full passes (tens of ms each, mid-request).
            # Collect first so no garbage cycle is frozen with them; the
            # lexicon itself holds no cycles and is freed when replaced.
            gc.collect()
            gc.freeze()
        with self._lock:
            self._snapshot = (searcher, lexicon)
            self._installed_at = time.monotonic()
            return self._snapshot

    def _refresh(self, searcher) -> None:
        try:
            self._install(searcher)
        except Exception:  # the previous pair keeps answering
            log.exception("search lexicon rebuild failed")
        finally:
            with self._lock:
                self._building = False
