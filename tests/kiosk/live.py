"""A real content service and a real kiosk, served on free local ports in
threads, for the browser tests and the kiosk benchmark.

`LiveService` seeds the demo library (with its generated covers and AR
overlays) into a SQLite file and registers a kiosk key; it can be stopped
and started again on the same port (service-down tests). `book_video`
renders the generated video of a labelled book the kiosk scans.
"""
from __future__ import annotations

import threading
from pathlib import Path

from werkzeug.serving import make_server

from content_service import create_app as create_service
from content_service.db import get_session, upgrade
from content_service.demo import sample_codes, seed
from content_service.kiosks import create_kiosk


class LiveService:
    """The content service on 127.0.0.1:<port>, in a thread."""

    def __init__(self, folder: Path, *, media: bool = True):
        self.app = create_service({
            "ENV": "test", "DATABASE_URL": f"sqlite:///{folder / 'pindai.db'}",
            "MEDIA_ROOT": str(folder / "media"), "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        })
        self._server = quiet_server("127.0.0.1", 0, self.app)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        # Labels carry this service's own address, as printed labels do.
        self.app.config["PUBLIC_BASE_URL"] = self.url
        with self.app.app_context():
            upgrade(self.app.extensions["pindai.engine"])
            session = get_session()
            seed(session, with_media=media)
            _, self.key = create_kiosk(session, "Kios uji", "Lantai 1")
            # (code, title) of sample copies; the first is Laskar Pelangi.
            self.samples = sample_codes(session)
            session.commit()
        self._thread: threading.Thread | None = None
        self.start()

    def label(self, code: str) -> str:
        return f"{self.url}/q/{code}"

    def start(self) -> None:
        if self._server is None:
            self._server = quiet_server("127.0.0.1", self.port, self.app)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering (connections are refused until `start`)."""
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def close(self) -> None:
        if self._server is not None:
            self.stop()
        self.app.extensions["pindai.engine"].dispose()


def book_video(path: Path, payload: str, *, passes: int = 2, frames: int | None = None, seed: int = 0,
               title: str = "Laskar Pelangi") -> dict:
    """Render the labelled-book video (see kiosk.synth.render_book_video)."""
    from kiosk.synth import render_book_video

    return render_book_video(path, payload, title=title, passes=passes, frames=frames, seed=seed)


def quiet_server(host: str, port: int, app, **kwargs):
    """A threaded werkzeug server that does not log every request."""
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kw):
            pass

    return make_server(host, port, app, threaded=True, request_handler=Quiet, **kwargs)
