"""The kiosk's settings: one table, read in three layers.

- `Setting`: one row (name, default, type, environment variable, help).
- `SETTINGS`: every setting the kiosk app reads; hidden rows are the advanced
  ones (set by `python -m kiosk run` options or the mapping given to
  `create_app`), listed apart in docs/configuration.md.
- `load_config(overrides, environ)`: defaults, then `PINDAI_*` variables, then
  `overrides`; each value parsed to its type, a bad one a `ConfigError`.
- `DEFAULTS`, `ENV_SETTINGS`: the table as dicts (name -> default; variable -> (name, type)).

Why not the service's `content_service.config`: the kiosk never imports the
service (docs/architecture.md), so the two apps keep a table each, in the same
shape, and `tests/test_docs.py` checks both against the docs.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ConfigError(SystemExit):
    """The kiosk cannot start with this configuration (a SystemExit: the
    command line shows the message, not a traceback)."""


@dataclass(frozen=True)
class Setting:
    """One setting: `env` is the environment variable (None: options and mapping only)."""

    name: str
    default: Any
    type: type
    env: str | None
    help: str
    hidden: bool = False
    shown_default: str | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("SERVICE_URL", "http://127.0.0.1:5000", str, "PINDAI_SERVICE_URL",
            "the content service a kiosk talks to (`--service`)"),
    Setting("KIOSK_KEY", None, str, "PINDAI_KIOSK_KEY",
            "its key from `create-kiosk` (`--key`), sent as `Authorization: Bearer <key>`"),
    Setting("IDLE_SECONDS", 90, float, "PINDAI_KIOSK_IDLE_SECONDS",
            "back to the attract screen, all state wiped, after this long untouched (`--idle`)"),
    Setting("IDLE_WARNING_SECONDS", 15, float, "PINDAI_KIOSK_IDLE_WARNING_SECONDS",
            "the idle warning shows for this long before that"),
    # Advanced: `python -m kiosk run` options, or the mapping given to create_app.
    Setting("SOURCE", None, str, None,
            "camera index, video file, stream URL or image folder (`--source`); none: no scanner", hidden=True),
    Setting("LOOP", False, bool, None, "restart a video file at its end, for demos (`--loop`)", hidden=True),
    Setting("REALTIME", True, bool, None, "read a video file or folder at its frame rate, as a camera gives frames",
            hidden=True),
    Setting("FOLDER_FPS", 10.0, float, None, "frames a second from an image folder source (`--fps`)",
            hidden=True),
    Setting("GONE_AFTER", 1.0, float, None,
            "how long a code must be out of view to fire again (`--gone-after`)", hidden=True),
    Setting("HEALTH_INTERVAL", 5.0, float, None, "seconds between pings of the service", hidden=True),
    Setting("SERVICE_TIMEOUT", 2.0, float, None,
            "resolve and books: a scan answer later than this is no answer (\"service down\")", hidden=True),
    Setting("SLOW_AFTER", 1.0, float, None, "an answer later than this shows \"the service is slow\"",
            hidden=True),
    Setting("RELAY_TIMEOUT", 6.0, float, None, "searches and the other screens' calls may take this long",
            hidden=True),
    Setting("NARRATION_TIMEOUT", 30.0, float, None,
            "a narration the service makes on its first request (espeak-ng, then Opus) may take this long",
            hidden=True),
    Setting("EVENTS_ROTATE_SECONDS", 8, float, None, "the attract screen's events turn over this often",
            hidden=True),
    Setting("CACHE_FILE", None, str, None,
            "where the offline book cache is kept across restarts (`--cache`); none: memory only",
            hidden=True, shown_default="none (`python -m kiosk run`: `instance/kiosk-cache.json`)"),
)

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}
ENV_SETTINGS: dict[str, tuple[str, type]] = {s.env: (s.name, s.type) for s in SETTINGS if s.env}
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def parse(setting: Setting, value: Any, source: str) -> Any:
    """`value` as the setting's type (numbers keep their int/float); `source`
    names where it came from in the error."""
    if value is None and setting.default is None:
        return None
    kind, given = setting.type, value
    ok: bool
    if kind is str:
        ok = isinstance(value, (str, os.PathLike))
    elif kind is bool:
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            value = value.strip().lower() in TRUE
        ok = isinstance(value, bool)
    else:  # int, float
        if isinstance(value, str):
            try:
                value = kind(value.strip())
            except ValueError:
                pass
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or isinstance(value, int))
        ok = ok and value >= 0
    if not ok:
        raise ConfigError(f"{source}={given!r} is not a valid {kind.__name__} ({setting.help})")
    return value


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Defaults, then PINDAI_* variables, then `overrides` (keys the table does
    not know, e.g. Flask's `TESTING`, pass through)."""
    config = dict(DEFAULTS)
    for setting in SETTINGS:
        value = environ.get(setting.env) if setting.env else None
        if value not in (None, ""):
            config[setting.name] = parse(setting, value, str(setting.env))
    for name, value in (overrides or {}).items():
        config[name] = parse(BY_NAME[name], value, name) if name in BY_NAME else value
    return config
