"""The kiosk web app: the full-screen page Chromium shows, fed by the kiosk
process (`python -m kiosk run`).

Routes:
- `/`                  the kiosk page (every screen, one at a time)
- `/events`            Server-Sent Events: scan results, service and camera state
                       (see `kiosk.runtime` for the messages)
- `/preview.mjpg`      the live camera preview with AR overlays (MJPEG)
- `/status`            JSON snapshot (scanner, service, camera)
- `/k/books/<id>`      a book for the book screen (offline cache when the service is down)
- `/k/scan`            POST {"payload"}: resolve as if scanned (desk scanners, tests)
- `/service/api/v1/<path>`  the content service API, relayed with the kiosk key
                       (GET and POST). Screens call the service only through this,
                       so the key never reaches the page. 503 `service_down` when
                       the service is unreachable, except for the lists in
                       `KEPT_ANSWERS`: their last good answer, marked
                       `X-Pindai-Stale: <age in seconds>`.
- `/vendor/<name>`     front-end files installed from npm (`node_modules/`), never a CDN
- `/i18n/<lang>.json`  the page's text in one language, from the gettext catalogue
                       `kiosk/translations/<lang>/LC_MESSAGES/messages.po` (see `kiosk.i18n`)

## Adding a screen

A screen is three files named after it, plus one line in `SCREENS` below:

- `kiosk/templates/kiosk/screens/<name>.html`: its markup, a
  `<section class="screen" id="screen-<name>" hidden>...</section>`
  (text as `data-t="English text">{{ _("English text") }}`: rendered in
  Indonesian, re-translated by the page on a language switch);
- `kiosk/static/screens/<name>.js`: a native ES module (loaded with
  `<script type="module">`, in `SCREENS` order) that imports what it uses
  from the page core and registers itself; nothing goes on `window`:

      import { on, onResolution, screen, show } from "../js/core.js";
      import { api } from "../js/http.js";
      import { nt, t } from "../js/i18n.js";

      screen("events", { show(data) {...}, hide() {...}, reset() {...} });
      onResolution("event", (resolution) => show("events", resolution));
      on("service", (msg) => ...);                 // any SSE message type
      const data = await api("/api/v1/events/upcoming?limit=6");  // null on 404
      title.textContent = nt("{n} event today", "{n} events today", data.items.length);

  Its strings go into the catalogues with `make translations` (then translate
  the new entries of `kiosk/translations/id/LC_MESSAGES/messages.po`; a test
  fails while one is missing);

- optionally `kiosk/static/screens/<name>.css` (picked up when it exists).

The page core is `kiosk/static/js/`: `core.js` (screens, SSE, notices,
marks, idle reset, `start()`), `i18n.js` (`t()`, `nt()`, `pt()`, `pick()`,
the `data-t*` attributes, reading `/i18n/<lang>.json`), `http.js` (`request()`, the one fetch wrapper every call goes
through: timeout, JSON errors as `HttpError` with `code` and `offline`;
`api()` and `local()` on top of it) and `config.js` (`page_config` below).

A screen may also claim a scan while it is shown: `claim(resolution, msg)`
returning true takes it before the `onResolution` handlers (the event screen
takes a library card to register its holder). Screens use each other through
exports (`openBook`, `coverButton` from book.js, `openEvent` from event.js,
`survey` from survey.js) and page events: every book the book screen shows
is emitted as `"book-shown"` (`on("book-shown", fn)`).

`show(name, data)` switches screens; `reset()` (idle timeout) calls every
screen's `reset()` and returns to "attract". A resolve answer of a type no
screen claims shows a gentle notice, never an error screen.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from flask import Flask, Response, abort, jsonify, render_template, request, send_file, stream_with_context
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server as _werkzeug_server

from kiosk import i18n
from kiosk.hub import sse
from kiosk.preview import BOUNDARY
from kiosk.runtime import KioskRuntime
from kiosk.service import BookCache, ServiceClient, ServiceDown
from kiosk.scan.sources import open_source
from kiosk.settings import DEFAULTS, ENV_SETTINGS, load_config  # noqa: F401  (DEFAULTS, ENV_SETTINGS: for callers)

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
NODE_MODULES = REPO / "node_modules"

# The screens of the kiosk page, in the order their files are loaded.
SCREENS = [
    "attract",
    "book",
    "search",
    "checkout",  # self-checkout (content_service/circulation): card + PIN, borrow, my account, receipt
    "return",  # return books, no card needed
    "event",  # events (content_service/events): event screen, "Acara terkait" on the book screen
    "survey",  # the one-tap survey after a visit
    "visitor",  # the visitor book (content_service/visitors): a member's card, or a name and institution
]

# Files served from node_modules under /vendor/<name> (installed by `make setup`: npm ci).
VENDOR = {
    "model-viewer.min.js": "@google/model-viewer/dist/model-viewer.min.js",
    "axe.min.js": "axe-core/axe.min.js",
}

# Relayed GETs whose last good answer the kiosk keeps and serves while the
# service is down: what the attract screen shows between visitors.
KEPT_ANSWERS = ("events/upcoming",)


def create_app(config: dict | None = None, runtime: KioskRuntime | None = None) -> Flask:
    """Build the kiosk app. Its runtime (scanner, resolver) is created from
    the config unless given, and started on the first request's server by
    `serve()` / `python -m kiosk run` (or by the caller: `app.extensions["kiosk"].start()`)."""
    settings = load_config(config)
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC), static_url_path="/static")
    app.config.update(settings)
    app.json.ensure_ascii = False
    if runtime is None:
        client = ServiceClient(settings["SERVICE_URL"], settings["KIOSK_KEY"], timeout=settings["SERVICE_TIMEOUT"])
        source = None
        if settings["SOURCE"] not in (None, ""):
            source = open_source(str(settings["SOURCE"]), loop=settings["LOOP"],
                                 realtime=settings["REALTIME"], fps=settings["FOLDER_FPS"])
        runtime = KioskRuntime(client, source, gone_after=settings["GONE_AFTER"],
                               health_interval=settings["HEALTH_INTERVAL"], slow_after=settings["SLOW_AFTER"],
                               cache=BookCache(path=settings["CACHE_FILE"]))
    app.extensions["kiosk"] = runtime
    # The templates render in the default language; the page re-translates them.
    app.jinja_env.globals.update(_=i18n.gettext, gettext=i18n.gettext, ngettext=i18n.ngettext)
    _routes(app, runtime)
    return app


def page_config(app: Flask) -> dict:
    """What the page's script needs to know (injected as JSON)."""
    c = app.config
    return {"idleSeconds": c["IDLE_SECONDS"], "idleWarningSeconds": c["IDLE_WARNING_SECONDS"],
            "eventsRotateSeconds": c["EVENTS_ROTATE_SECONDS"], "screens": SCREENS, "languages": list(i18n.LANGUAGES),
            # The page's fetch timeout: the relay's own, plus the way back.
            "requestTimeoutSeconds": c["RELAY_TIMEOUT"] + 2}


def _routes(app: Flask, runtime: KioskRuntime) -> None:
    @app.get("/")
    def index():
        styles = [s for s in SCREENS if (STATIC / "screens" / f"{s}.css").exists()]
        return render_template("kiosk/index.html", screens=SCREENS, styles=styles, page_config=page_config(app))

    @app.get("/events")
    def events():
        listener = runtime.hub.subscribe()

        def stream():
            try:
                yield sse(json.dumps(runtime.status()))
                while True:
                    try:
                        yield sse(listener.get(timeout=15))
                    except Exception:  # queue.Empty: a comment keeps proxies from closing the stream
                        yield ": keep-alive\n\n"
            finally:
                runtime.hub.unsubscribe(listener)

        return Response(stream_with_context(stream()), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.get("/preview.mjpg")
    def preview():
        return Response(runtime.preview.stream(), mimetype=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                        headers={"Cache-Control": "no-store"})

    @app.get("/status")
    def status():
        return jsonify(runtime.status())

    @app.get("/k/books/<int:book_id>")
    def book(book_id: int):
        code, body = runtime.book(book_id)
        return jsonify(body), code

    @app.post("/k/scan")
    def scan():
        body = request.get_json(silent=True) or {}
        payload = body.get("payload")
        if not isinstance(payload, str) or not payload.strip():
            return _error(400, "missing_payload", "Send {\"payload\": \"...\"}.", "Kirim {\"payload\": \"...\"}.")
        return jsonify(runtime.submit(payload.strip()))

    def _relay_timeout(path: str) -> float:
        # A book's first read-aloud is made by the service then (espeak-ng and an encoder):
        # slower than a search, and worth waiting for rather than calling the service down.
        if path.startswith("books/") and path.endswith("/narration"):
            return max(app.config["RELAY_TIMEOUT"], app.config["NARRATION_TIMEOUT"])
        return app.config["RELAY_TIMEOUT"]

    @app.route("/service/api/v1/<path:path>", methods=["GET", "POST", "DELETE"])
    def relay(path: str):
        headers = {"Content-Type": request.content_type} if request.content_type else {}
        kept = f"{path}?{request.query_string.decode('latin-1')}" if (
            request.method == "GET" and path in KEPT_ANSWERS) else None
        if request.headers.get("X-Patron-Session"):  # a member's self-checkout session
            headers["X-Patron-Session"] = request.headers["X-Patron-Session"]
        try:
            response = runtime.client.request(request.method, f"/api/v1/{path}",
                                              params=list(request.args.items(multi=True)),
                                              data=request.get_data() if request.method == "POST" else None,
                                              headers=headers, timeout=_relay_timeout(path))
        except ServiceDown as exc:
            runtime.service_failed(str(exc))
            last = runtime.cache.answer(kept) if kept else None
            if last is not None:
                body, content_type, age = last
                stale = Response(body, status=200, content_type=content_type)
                stale.headers["X-Pindai-Stale"] = str(int(age))
                return stale
            return _error(503, "service_down", "The library service is not reachable.",
                          "Layanan perpustakaan tidak dapat dihubungi.")
        content_type = response.headers.get("Content-Type", "application/json")
        if kept and response.status_code == 200:
            runtime.cache.keep_answer(kept, response.content, content_type)
        return Response(response.content, status=response.status_code, content_type=content_type)

    @app.get("/i18n/<lang>.json")
    def catalogue(lang: str):
        try:
            body = i18n.page_messages(lang)
        except i18n.UnknownLanguage:
            return _error(404, "unknown_language", f"No catalogue for language {lang!r}; there are: "
                          + ", ".join(i18n.LANGUAGES) + ".",
                          f"Tidak ada katalog untuk bahasa {lang!r}; yang ada: " + ", ".join(i18n.LANGUAGES) + ".")
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-cache"  # a translator's edit shows on the next load
        return response

    @app.get("/vendor/<name>")
    def vendor(name: str):
        if name not in VENDOR:
            abort(404)
        path = NODE_MODULES / VENDOR[name]
        if not path.is_file():
            return _error(404, "not_installed", f"{name} is not installed: run `make setup` (npm ci).",
                          f"{name} belum terpasang: jalankan `make setup` (npm ci).")
        return send_file(path, mimetype="text/javascript", max_age=3600)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name,
                      "Permintaan tidak dapat diproses.")


def _error(status: int, code: str, message: str, message_id: str):
    return jsonify({"error": {"code": code, "message": message, "message_id": message_id}}), status


class _QuietHandler(WSGIRequestHandler):
    # The page polls nothing, but every cover and preview would be a log line.
    def log_request(self, *args, **kwargs):
        pass


class KioskServer:
    """The kiosk app served in a background thread (threaded: SSE and the
    preview hold their connections), with its runtime started."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.runtime: KioskRuntime = app.extensions["kiosk"]
        self.server = _werkzeug_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="kiosk-http", daemon=True)

    def start(self, scan: bool = True) -> "KioskServer":
        """Serve, and start the runtime (the scanner too unless `scan` is False)."""
        self.runtime.start(scan)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the runtime and the server (safe to call twice)."""
        if self.server is None:
            return
        self.runtime.stop()
        self.server.shutdown()
        self.server.server_close()
        self.server = None
