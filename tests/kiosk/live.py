"""A real content service and a real kiosk, served on free local ports in
threads, for the browser tests and the kiosk benchmark.

`LiveService` seeds the demo library (with its generated covers and AR
overlays) into a SQLite file and registers a kiosk key; it can be stopped
and started again on the same port (service-down tests). `book_video`
renders the generated video of a labelled book the kiosk scans.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from content_service import create_app as create_service
from content_service.db import get_session, upgrade
from content_service.demo import sample_codes, seed
from content_service.kiosks import create_kiosk


class LiveService:
    """The content service on 127.0.0.1:<port>, in a thread."""

    def __init__(self, folder: Path, *, media: bool = True, of: "LiveService | None" = None,
                 database_url: str | None = None, config: dict | None = None):
        """Seed a new demo library in `folder` (a SQLite file there unless
        `database_url`), or with `of` serve that service's database on a port
        of its own (no seeding: labels keep the first service's address, as
        printed labels do)."""
        self.folder = folder
        self.database_url = (of.database_url if of else database_url) or f"sqlite:///{folder / 'pindai.db'}"
        self.app = create_service({
            "ENV": "test", "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(folder / "media"), "SEARCH_INDEX": str(folder / "search-index"),
            "PUBLIC_BASE_URL": of.url if of else "http://127.0.0.1:5000",
            **(config or {}),  # e.g. PINDAI_CIRCULATION=sip2 settings
        })
        self._server = quiet_server("127.0.0.1", 0, self.app)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        if of is not None:
            self.public_url, self.key, self.samples = of.url, of.key, of.samples
        else:
            # Labels carry this service's own address, as printed labels do.
            self.public_url = self.app.config["PUBLIC_BASE_URL"] = self.url
            with self.app.app_context():
                upgrade(self.app.extensions["pindai.engine"])
                session = get_session()
                # The demo's programmes, 3D model and narrations left out: these tests make
                # the events and extras they check (an empty programme, a generated narration).
                seed(session, with_media=media, extras=False, programmes=False)
                _, self.key = create_kiosk(session, "Kios uji", "Lantai 1")
                # (code, title) of sample copies; the first is Laskar Pelangi.
                self.samples = sample_codes(session)
                session.commit()
        self._thread: threading.Thread | None = None
        self.start()

    def sibling(self) -> "LiveService":
        """Another server of the same library, to stop and start at will."""
        return LiveService(self.folder, of=self)

    def label(self, code: str) -> str:
        return f"{self.public_url}/q/{code}"

    def start(self) -> None:
        if self._server is None:
            self._server = quiet_server("127.0.0.1", self.port, self.app)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering (connections are refused until `start`)."""
        self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()
        self._server = None

    def close(self) -> None:
        if self._server is not None:
            self.stop()
        self.app.extensions["pindai.engine"].dispose()


def book_video(path: Path, payload: str, *, passes: int = 2, frames: int | None = None, seed: int = 0,
               title: str = "Laskar Pelangi") -> dict:
    """Render the labelled-book video (see kiosk.demo.synth.render_book_video)."""
    from kiosk.demo.synth import render_book_video

    return render_book_video(path, payload, title=title, passes=passes, frames=frames, seed=seed)


def quiet_server(host: str, port: int, app):
    """A threaded werkzeug server that does not log every request and can
    drop its open connections (`drop_connections`), as a crashed service would."""
    import socket

    from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kw):
            pass

    class Server(ThreadedWSGIServer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.open_sockets = set()

        def process_request(self, request, client_address):
            self.open_sockets.add(request)
            super().process_request(request, client_address)

        def shutdown_request(self, request):
            self.open_sockets.discard(request)
            super().shutdown_request(request)

        def drop_connections(self):
            # Keep-alive connections would otherwise go on being served after shutdown().
            for sock in list(self.open_sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    return Server(host, port, app, Quiet)


def scan_latencies(runtime, truth: dict, marks: list[dict]) -> list[dict]:
    """Scan-to-title-visible of every title the page painted for a scan.

    For each "title" mark (painted, see js/core.js `markPainted`) the scan
    message with its `seq` gives the frame that fired; the pass of the
    video it belongs to gives the label's first fully visible frame. The
    latency runs from the read time of that frame (or of the firing frame,
    when a partly visible label was read earlier) to the paint."""
    frames = truth["frames"]
    read_at = dict(runtime.source.times)
    by_seq = {m["seq"]: m for m in runtime.recent}
    out = []
    for mark in marks:
        if mark.get("name") != "title" or mark.get("seq") not in by_seq:
            continue
        message = by_seq[mark["seq"]]
        fired = message["frame"]
        loop, local = divmod(fired, frames)
        passes = [p for p in truth["passes"] if p["enter"] is not None and p["enter"] <= local <= p["leave"]]
        if not passes:
            continue
        first = loop * frames + min(passes[0]["first_visible"], local)
        if first not in read_at:
            continue
        out.append({"seq": mark["seq"], "ms": mark["at"] - read_at[first] * 1000.0,
                    "resolve_ms": (message["resolved_at"] - message["seen_at"]) * 1000.0,
                    "frames_to_fire": fired - first})
    return out


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def launch_chromium(playwright):
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)


# The kiosk page keeps its state in ES modules, nothing on `window`. Tests reach
# the core module the way a screen does (same URL, so the same instance) and
# name it `Kiosk` in the page for their expressions (`Kiosk.marks`, `Kiosk.state`).
CORE_MODULE = "/static/js/core.js"


@contextmanager
def kiosk_page(browser, url: str, viewport: dict, *, ready: str = "connected"):
    """The kiosk page at `url` in a fresh Chromium context of `viewport`, opened
    until its `ready` mark, with `Kiosk` exposed; any script error the page
    raised fails the test when the block ends."""
    context = browser.new_context(viewport=viewport, locale="id-ID")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url + "/", wait_until="domcontentloaded")  # the camera preview streams for ever
    expose_core(page)
    page.wait_for_function(f"Kiosk.marks.some(m => m.name === {ready!r})")
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"script errors on the kiosk page: {errors}"


def expose_core(page) -> None:
    """Make the page's core module `window.Kiosk` for the test's expressions."""
    page.evaluate(f"async () => {{ window.Kiosk = await import({CORE_MODULE!r}); }}")
