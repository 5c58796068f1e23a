"""The SLiMS connector: Pindai next to a library that runs SLiMS 9.

- ``schema``: the SLiMS tables Pindai touches, and the engine that reaches them
- ``reading`` / ``mapping`` / ``sync``: ``flask slims sync`` (titles, copies, members)
- ``cli``: the ``flask slims`` commands
- ``rules`` / ``backend``: ``PINDAI_CIRCULATION=slims``, loans written into SLiMS's
  own ``loan`` table by SLiMS's own rules

Settings: ``PINDAI_SLIMS_DATABASE_URL``. See docs/connect-slims.md."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Called by the application factory (before circulation's): the ``slims``
    circulation backend and ``flask slims``."""
    from ..circulation.backends import BACKENDS
    from ..config import ConfigError
    from .backend import SlimsBackend
    from .cli import slims_group

    BACKENDS.setdefault("slims", SlimsBackend)
    if app.config.get("CIRCULATION") == "slims" and not app.config.get("SLIMS_DATABASE_URL"):
        raise ConfigError("PINDAI_CIRCULATION=slims needs PINDAI_SLIMS_DATABASE_URL (mysql://user:password@host/slims)")
    app.cli.add_command(slims_group)
