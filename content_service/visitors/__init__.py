"""The visitor book ("buku tamu") and the library statistics Perpusnas asks
for (IPLM): a feature. Visitors sign at a kiosk with their library card or a
name and institution (``book``, ``api``); the staff portal lists who came and
reports the IPLM figures with a CSV (``staff``, ``report``)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import i18n
from . import models  # noqa: F401  (registers the table)

GROUP_WORDS = {"pelajar": _l("School student"), "mahasiswa": _l("University student"),
               "guru": _l("Teacher or lecturer"), "umum": _l("General public")}


def init_app(app: Flask) -> None:
    from . import api, staff

    i18n.LABELS.setdefault("visitor_group", GROUP_WORDS)
    api.init_app(app)
    staff.init_app(app)
