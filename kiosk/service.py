"""The kiosk's side of the content service API, and what it keeps for when
the service is down.

`ServiceClient` sends every request with the kiosk's key
(`Authorization: Bearer <key>`) and turns what can go wrong into three
outcomes a screen can act on:

- a JSON answer (`Answer.ok`), or
- a clear refusal from the service (`Answer.error`: a 4xx with the
  service's `{"code", "message", "message_id"}`; e.g. `not_ours`), or
- `ServiceDown`: connection refused, a timeout (a slow service counts as
  down for a kiosk: a child will not wait), or a 5xx.

`BookCache` holds the answers of recently scanned books and of the books
scanned most often here, so a kiosk keeps showing them while the service
is away; with a `path` it is kept on disk and survives a restart.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path

import requests

log = logging.getLogger(__name__)


class ServiceDown(Exception):
    """The content service cannot be reached or did not answer in time."""


@dataclass
class Answer:
    """A response from the service: `status`, and `data` (the JSON body).
    `error` is the service's error object for a 4xx, else None."""

    status: int
    data: dict | None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> dict | None:
        if self.ok:
            return None
        body = self.data if isinstance(self.data, dict) else {}
        return body.get("error") or {"code": f"http_{self.status}", "message": "Request failed.",
                                     "message_id": "Permintaan gagal."}


class ServiceClient:
    """A thread-safe client of one content service (one HTTP session per thread)."""

    def __init__(self, base_url: str, key: str | None = None, *, timeout: float = 2.0):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            if self.key:
                session.headers["Authorization"] = f"Bearer {self.key}"
        return session

    def request(self, method: str, path: str, *, params=None, json=None, data=None,
                headers=None, timeout: float | None = None) -> requests.Response:
        """The raw response for `path` (starting with "/"); raises ServiceDown."""
        try:
            response = self._session().request(
                method, self.base_url + path, params=params, json=json, data=data, headers=headers,
                timeout=timeout or self.timeout)
        except requests.RequestException as exc:
            raise ServiceDown(f"{self.base_url}: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise ServiceDown(f"{self.base_url}{path}: HTTP {response.status_code}")
        return response

    def get(self, path: str, **params) -> Answer:
        """GET a JSON endpoint; raises ServiceDown."""
        response = self.request("GET", path, params=params or None)
        try:
            body = response.json()
        except ValueError:
            body = None
        return Answer(response.status_code, body)

    def resolve(self, payload: str) -> Answer:
        """What the service makes of a scanned payload."""
        return self.get("/api/v1/resolve", payload=payload)

    def book(self, book_id: int) -> Answer:
        """A book with its availability, copies and assets."""
        return self.get(f"/api/v1/books/{int(book_id)}")

    def media(self, url: str) -> bytes:
        """The bytes of a media file the service links to (absolute URL)."""
        try:
            response = self._session().get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ServiceDown(str(exc)) from exc
        if response.status_code != 200:
            raise ServiceDown(f"{url}: HTTP {response.status_code}")
        return response.content

    def alive(self) -> bool:
        """True when the service answers its health check."""
        try:
            return self.request("GET", "/ping", timeout=min(self.timeout, 1.0)).status_code == 200
        except ServiceDown:
            return False


def book_view(resolution: dict) -> dict:
    """The part of a resolve answer (or a book answer) the book screen shows."""
    if "book" in resolution:
        return {"book": resolution.get("book"), "item": resolution.get("item"),
                "availability": resolution.get("availability"), "assets": resolution.get("assets") or []}
    book = {k: v for k, v in resolution.items() if k not in ("availability", "assets", "items")}
    return {"book": book, "item": None, "availability": resolution.get("availability"),
            "assets": resolution.get("assets") or []}


class BookCache:
    """Answers kept for offline use: the `recent` most recently seen books
    plus the `popular` most scanned ones (counted on this kiosk).

    Keys are scanned payloads (what the scanner reads again) and book ids
    (what search results and "more like this" open).

    Beside the books, the last good answer to a few lists the screens show
    between visitors (the upcoming events), so a kiosk whose service is down,
    or restarted while it is, still shows them: `keep_answer` / `answer`."""

    ANSWERS = 16  # distinct requests kept (audiences, limits)

    def __init__(self, recent: int = 50, popular: int = 20, path: str | os.PathLike | None = None):
        self.recent, self.popular = recent, popular
        self.path = Path(path) if path else None
        self._books: OrderedDict[int, dict] = OrderedDict()
        self._payloads: dict[str, tuple[int, dict | None]] = {}  # payload -> (book id, its item)
        self._scans: Counter[int] = Counter()
        self._answers: OrderedDict[str, dict] = OrderedDict()  # request -> {"body", "type", "at"}
        self._lock = threading.Lock()
        if self.path is not None:
            self._load(self.path)

    def _load(self, path: Path) -> None:
        # A kiosk restarted while the service is down still has its books.
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            books = OrderedDict((int(view["book"]["id"]), view) for view in data["books"])
            payloads = {p: (int(book_id), item) for p, (book_id, item) in data["payloads"].items()}
            scans = Counter({int(k): int(v) for k, v in data["scans"].items()})
            answers = OrderedDict((str(k), {"body": str(v["body"]), "type": str(v["type"]), "at": float(v["at"])})
                                  for k, v in data.get("answers", {}).items())
        except FileNotFoundError:
            return
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the unreadable kiosk cache %s: %s", path, exc)
            return
        self._books, self._payloads, self._scans, self._answers = books, payloads, scans, answers

    def _save(self, path: Path) -> None:
        data = {"books": list(self._books.values()),
                "payloads": {p: [book_id, item] for p, (book_id, item) in self._payloads.items()},
                "scans": {str(k): v for k, v in self._scans.items()},
                "answers": dict(self._answers)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kiosk-cache-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, path)  # never a half-written cache
        except OSError as exc:
            log.warning("cannot save the kiosk cache %s: %s", path, exc)

    def remember(self, view: dict, payload: str | None = None) -> None:
        """Keep a book view (from `book_view`); a payload counts as a scan."""
        book = view.get("book") or {}
        if "id" not in book:
            return
        with self._lock:
            self._books[book["id"]] = view
            self._books.move_to_end(book["id"])
            if payload is not None:
                self._payloads[payload] = (book["id"], view.get("item"))
                self._scans[book["id"]] += 1
            self._evict()
            if self.path is not None:
                self._save(self.path)

    def keep_answer(self, request: str, body: bytes, content_type: str) -> None:
        """Keep the service's good answer to `request` (a path with its query)."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return
        with self._lock:
            if self._answers.get(request, {}).get("body") == text:
                self._answers[request]["at"] = time.time()
                return  # the same list again: no write to the disk every minute
            self._answers[request] = {"body": text, "type": content_type, "at": time.time()}
            self._answers.move_to_end(request)
            while len(self._answers) > self.ANSWERS:
                self._answers.popitem(last=False)
            if self.path is not None:
                self._save(self.path)

    def answer(self, request: str) -> tuple[bytes, str, float] | None:
        """The last good answer to `request`: (body, content type, its age in seconds)."""
        with self._lock:
            kept = self._answers.get(request)
        if kept is None:
            return None
        return kept["body"].encode("utf-8"), kept["type"], max(0.0, time.time() - kept["at"])

    def by_payload(self, payload: str) -> dict | None:
        """The cached view a payload led to, or None."""
        with self._lock:
            found = self._payloads.get(payload)
            if found is None or found[0] not in self._books:
                return None
            self._scans[found[0]] += 1
            return {**self._books[found[0]], "item": found[1]}

    def by_id(self, book_id: int) -> dict | None:
        with self._lock:
            view = self._books.get(book_id)
            return None if view is None else {**view, "item": None}

    def book_ids(self) -> list[int]:
        with self._lock:
            return list(self._books)

    def _evict(self) -> None:
        keep_popular = {book_id for book_id, _ in self._scans.most_common(self.popular)}
        for book_id in list(self._books):
            if len(self._books) <= self.recent + self.popular:
                break
            if book_id not in keep_popular:
                del self._books[book_id]
        if len(self._books) > self.recent + self.popular:
            # Everything left is popular: drop the oldest.
            self._books.popitem(last=False)
        live = set(self._books)
        self._payloads = {p: v for p, v in self._payloads.items() if v[0] in live}
