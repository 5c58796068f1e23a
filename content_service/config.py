"""Configuration: defaults, overridden by ``PINDAI_*`` environment variables,
overridden by the mapping a caller passes to ``create_app``."""
from __future__ import annotations

import os
import secrets

DEFAULTS = {
    "ENV": "production",
    "DATABASE_URL": None,  # None: sqlite file in the instance folder
    "MEDIA_ROOT": None,  # None: media/store beside the package
    "PUBLIC_BASE_URL": "http://localhost:5000",
    "SECRET_KEY": None,
    "LABEL_LAYOUT": "L7160",
    "API_PAGE_SIZE": 20,
    "API_MAX_PAGE_SIZE": 100,
    "MAX_PAYLOAD_LENGTH": 2048,
    "ANSWER_CACHE_SIZE": 4096,
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-For is believed
    "SEARCH_BACKEND": "whoosh",  # search backend (search.BACKENDS)
    "SEARCH_INDEX": None,  # None: beside the SQLite file, else in the instance folder ("memory" for test apps)
    "CIRCULATION": "local",  # circulation backend (circulation.backends.BACKENDS)
    "CIRCULATION_MAX_FINES": 50000,  # rupiah owed above which borrowing is blocked
    "CIRCULATION_SESSION_MINUTES": 5,  # a kiosk member session ends after this long idle
    "CIRCULATION_RECEIPT_MINUTES": 30,  # how long a receipt link works
    "SLIMS_DATABASE_URL": None,  # a SLiMS database (flask slims sync, PINDAI_CIRCULATION=slims)
}

# Settings read from the environment, with the type each one is coerced to.
ENV_SETTINGS = {
    "ENV": str,
    "DATABASE_URL": str,
    "MEDIA_ROOT": str,
    "PUBLIC_BASE_URL": str,
    "SECRET_KEY": str,
    "LABEL_LAYOUT": str,
    "API_PAGE_SIZE": int,
    "API_MAX_PAGE_SIZE": int,
    "ANSWER_CACHE_SIZE": int,
    "TRUSTED_PROXIES": int,
    "SEARCH_BACKEND": str,
    "SEARCH_INDEX": str,
    "CIRCULATION": str,
    "CIRCULATION_MAX_FINES": int,
    "CIRCULATION_SESSION_MINUTES": int,
    "CIRCULATION_RECEIPT_MINUTES": int,
    "SLIMS_DATABASE_URL": str,
}

DEV_ENVS = {"development", "dev", "test", "testing"}


class ConfigError(RuntimeError):
    """The service cannot start with this configuration."""


def load(overrides: dict | None = None, environ=os.environ) -> dict:
    """Merge defaults, ``PINDAI_*`` variables and ``overrides`` into one dict."""
    config = dict(DEFAULTS)
    for name, kind in ENV_SETTINGS.items():
        value = environ.get(f"PINDAI_{name}")
        if value not in (None, ""):
            try:
                config[name] = kind(value)
            except ValueError as exc:
                raise ConfigError(f"PINDAI_{name}={value!r} is not a valid {kind.__name__}") from exc
    config.update(overrides or {})
    config["PUBLIC_BASE_URL"] = str(config["PUBLIC_BASE_URL"]).rstrip("/")
    if not config.get("SECRET_KEY"):
        if str(config["ENV"]).lower() not in DEV_ENVS:
            raise ConfigError(
                "PINDAI_SECRET_KEY must be set outside development and test "
                "(set PINDAI_ENV=development for a local trial)."
            )
        config["SECRET_KEY"] = secrets.token_hex(32)
        config["SECRET_KEY_GENERATED"] = True  # staff: one key shared by every worker
    return config
