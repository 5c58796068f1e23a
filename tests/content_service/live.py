"""The content service served on a free local port in a thread, for the
public pages' browser tests (a phone in Debian's Chromium): ``served_app``
builds it on a migrated SQLite file, seeds it, serves it; ``phone_page``
opens a 360x740 phone page that records every Content-Security-Policy error
(``page.csp_errors``: a script or style the page's policy blocks is a bug)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from content_service import create_app
from content_service.db import get_session, upgrade
from tests.kiosk.live import quiet_server

PHONE = {"width": 360, "height": 740}


@contextmanager
def served_app(folder: Path, seed: Callable | None = None, config: dict | None = None):
    """The app on ``folder`` (database, media, search index), with ``config``'s
    settings on top; ``seed(app, session)`` fills it before it serves (committed).
    ``app.url`` is its address, and its ``PUBLIC_BASE_URL`` too, as a real host's is."""
    app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{folder / 'pindai.db'}", "RATE_LIMITS": False,
                      "MEDIA_ROOT": str(folder / "media"), "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
                      "SEARCH_INDEX": str(folder / "search-index"), **(config or {})})
    with app.app_context():
        upgrade(app.extensions["pindai.engine"])
        if seed is not None:
            seed(app, get_session())
            get_session().commit()
    server = quiet_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.url = app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app
    finally:
        server.shutdown()
        app.extensions["pindai.engine"].dispose()


def phone_page(browser, *, timeout: float = 10_000, context=None, **options):
    """A page on a phone-sized screen in Indonesian (in ``context`` when given)."""
    context = context or browser.new_context(viewport=PHONE, locale="id-ID", **options)
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    page.set_default_timeout(timeout)
    return page
