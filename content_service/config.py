"""Configuration: one table of settings, read in three layers.

- `Setting`: one row (name, default, type, environment variable, help).
- `SETTINGS`: every setting the service reads, in the order docs/configuration.md
  lists them. Hidden rows (`hidden=True`) are the advanced ones: set through the
  mapping passed to `create_app`, listed apart in the docs.
- `load(overrides, environ)`: defaults, overridden by `PINDAI_*` environment
  variables, overridden by the mapping a caller passes to `create_app`; every
  value parsed to its type and checked, a bad one is a `ConfigError` naming it.
- `DEFAULTS`, `ENV_SETTINGS`: the table seen as dicts (name -> default, name -> type).

A new setting is one `Setting` row; `tests/test_docs.py` then fails until
`make docs` has written it into docs/configuration.md.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ConfigError(RuntimeError):
    """The service cannot start with this configuration."""


@dataclass(frozen=True)
class Setting:
    """One setting: `env` is the environment variable (None: mapping only)."""

    name: str
    default: Any
    type: type
    env: str | None
    help: str
    hidden: bool = False
    shown_default: str | None = None  # how the docs show a default computed at start-up
    minimum: int | None = None


MB = 1024 * 1024

SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "production", str, "PINDAI_ENV",
            "`development` or `test` allow running without a secret key"),
    Setting("SECRET_KEY", None, str, "PINDAI_SECRET_KEY",
            "required outside development and test, at least 32 characters; the service refuses to start "
            "without it (`python3 -c 'import secrets; print(secrets.token_hex(32))'` makes one)"),
    Setting("DATABASE_URL", None, str, "PINDAI_DATABASE_URL",
            "SQLAlchemy URL; PostgreSQL in production: `postgresql+psycopg://user@host/pindai`",
            shown_default="`sqlite:///instance/pindai.db`"),
    Setting("MEDIA_ROOT", None, str, "PINDAI_MEDIA_ROOT",
            "where uploaded and generated media are stored (content-addressed)", shown_default="`media/store`"),
    Setting("MEDIA_CORS_ORIGINS", "*", str, "PINDAI_MEDIA_CORS_ORIGINS",
            "pages of other origins allowed to fetch `/media/` files (kiosk pages run on their own "
            "origin, and 3D viewers fetch models): `*` (the default: published media is public), origins "
            "separated by spaces (`http://kiosk-1:8080 http://kiosk-2:8080`), or empty for none; "
            "GET and HEAD only, never with cookies"),
    Setting("NARRATION_ESPEAK", "espeak-ng", str, "PINDAI_NARRATION_ESPEAK",
            "the speech synthesizer that reads books aloud for kiosks with no narration of the library's "
            "own (`GET /api/v1/books/<id>/narration`; `make setup` installs espeak-ng); empty turns it off"),
    Setting("PUBLIC_BASE_URL", "http://localhost:5000", str, "PINDAI_PUBLIC_BASE_URL",
            "the address printed in QR labels: `{PUBLIC_BASE_URL}/q/{code}` (a trailing `/` is dropped)"),
    Setting("DEFAULT_LIBRARY_NAME", "Perpustakaan Kota Batam", str, "PINDAI_DEFAULT_LIBRARY_NAME",
            "the name `flask init-db` gives the default library of the network, the one today's copies, kiosks, "
            "events and members are moved into (rename it later on the staff page *Perpustakaan*)"),
    Setting("OPENING_HOURS", "", str, "PINDAI_OPENING_HOURS",
            "the library's opening hours in WIB, shown on the book page phones open: weekdays (`mon` .. `sun`, "
            "a range with `-`) and hours, parts separated by `;`, e.g. `mon-fri 08:00-16:00; sat 09:00-14:00; "
            "sun closed` (a day not named is closed); empty shows none. A text that does not read so stops the "
            "service at start-up"),
    Setting("LABEL_LAYOUT", "L7160", str, "PINDAI_LABEL_LAYOUT",
            "label stock for `print-labels` (`L7160`: 3 x 7 on A4; `A4-3x8`)"),
    Setting("API_PAGE_SIZE", 20, int, "PINDAI_API_PAGE_SIZE", "default page size of list endpoints", minimum=1),
    Setting("API_MAX_PAGE_SIZE", 100, int, "PINDAI_API_MAX_PAGE_SIZE",
            "largest page a client may ask for", minimum=1),
    Setting("ANSWER_CACHE_SIZE", 4096, int, "PINDAI_ANSWER_CACHE_SIZE",
            "resolve answers cached per worker (per catalogue version; `0` turns it off)", minimum=0),
    Setting("TRUSTED_PROXIES", 0, int, "PINDAI_TRUSTED_PROXIES",
            "reverse proxies in front of the service (`1` behind nginx): their `X-Forwarded-For`/`-Proto` "
            "are believed, so the staff login throttle locks the visitor's address, not the proxy's", minimum=0),
    Setting("INSTANCE_PATH", None, str, "PINDAI_INSTANCE_PATH",
            "this server's own folder: a generated secret key, the default SQLite database, a `tantivy`/`whoosh` "
            "index (each machine of several has its own; what they share lives in PostgreSQL)",
            shown_default="`instance/` beside the code"),
    Setting("SEARCH_BACKEND", "", str, "PINDAI_SEARCH_BACKEND",
            "search backend: `postgres` (PostgreSQL full-text search, kept by the database in the same "
            "transaction and shared by every server; needs the `unaccent` and `pg_trgm` extensions), `tantivy` "
            "(Rust, an index on each machine's disk) or `whoosh` (pure Python, the same); see docs/search.md",
            shown_default="`postgres` on PostgreSQL, else `tantivy`"),
    Setting("SEARCH_INDEX", None, str, "PINDAI_SEARCH_INDEX",
            "where the `tantivy`/`whoosh` index lives; with PostgreSQL `instance/search-index-<hash of the URL>`, so two "
            "databases never share one (built at first use when missing; `flask reindex` rebuilds it)",
            shown_default="beside the SQLite file (`pindai-search-index/`)"),
    Setting("CIRCULATION", "local", str, "PINDAI_CIRCULATION",
            "circulation backend: `local` (this database), `sip2` (the library system over SIP2: "
            "docs/connect-sip2.md), `slims` (a SLiMS database: docs/connect-slims.md)"),
    Setting("CIRCULATION_MAX_FINES", 50000, int, "PINDAI_CIRCULATION_MAX_FINES",
            "fines (rupiah) above which a member cannot borrow", minimum=0),
    Setting("CIRCULATION_SESSION_MINUTES", 5, int, "PINDAI_CIRCULATION_SESSION_MINUTES",
            "a member's kiosk session ends after this long without use", minimum=1),
    Setting("ACCOUNT_SESSION_MINUTES", 15, int, "PINDAI_ACCOUNT_SESSION_MINUTES",
            "a member's session on the phone (`/akun`) ends after this long without use", minimum=1),
    Setting("CIRCULATION_RECEIPT_DAYS", 90, int, "PINDAI_CIRCULATION_RECEIPT_DAYS",
            "how many days a receipt link (the kiosk's QR, kept on the member's phone) works", minimum=1),
    Setting("HOLD_PICKUP_DAYS", 7, int, "PINDAI_HOLD_PICKUP_DAYS",
            "days a member has to collect a reserved book from the hold shelf; then it passes to the "
            "next in the queue (`flask expire-holds`)", minimum=1),
    Setting("HOLD_LIMITS", "child=2,adult=5,student=5,staff=10", str, "PINDAI_HOLD_LIMITS",
            "how many open reservations a member of each category may have (`CATEGORY=NUMBER`, comma-separated)"),
    Setting("SMTP_HOST", "", str, "PINDAI_SMTP_HOST",
            "the SMTP server notifications are emailed through (empty: no email; docs/notifications.md)"),
    Setting("SMTP_PORT", 25, int, "PINDAI_SMTP_PORT", "its port (587 with `starttls`, 465 with `ssl`)", minimum=1),
    Setting("SMTP_TLS", "off", str, "PINDAI_SMTP_TLS", "`off`, `starttls` or `ssl` (the certificate is verified)"),
    Setting("SMTP_USER", "", str, "PINDAI_SMTP_USER", "the SMTP login, when the server wants one"),
    Setting("SMTP_PASSWORD", "", str, "PINDAI_SMTP_PASSWORD", "its password"),
    Setting("SMTP_FROM", "Perpustakaan Kota Batam <perpustakaan@localhost>", str, "PINDAI_SMTP_FROM",
            "the sender of the library's emails"),
    Setting("SMTP_TIMEOUT", 30.0, float, "PINDAI_SMTP_TIMEOUT",
            "seconds to wait for the SMTP server (and the WhatsApp API) before trying again later"),
    Setting("WHATSAPP_TOKEN", "", str, "PINDAI_WHATSAPP_TOKEN",
            "the WhatsApp Business Cloud API access token; empty: WhatsApp messages wait on the staff page "
            "*Pesan* with a `wa.me` link for a librarian to send"),
    Setting("WHATSAPP_PHONE_NUMBER_ID", "", str, "PINDAI_WHATSAPP_PHONE_NUMBER_ID",
            "the Cloud API's id of the library's WhatsApp number (Meta's app dashboard)"),
    Setting("WHATSAPP_API_URL", "https://graph.facebook.com", str, "PINDAI_WHATSAPP_API_URL",
            "the Cloud API's address (tests point it at a local server)"),
    Setting("WHATSAPP_API_VERSION", "v21.0", str, "PINDAI_WHATSAPP_API_VERSION", "the Graph API version in its path"),
    Setting("NOTIFY_BATCH", 50, int, "PINDAI_NOTIFY_BATCH",
            "messages `flask notify-worker` claims at a time", minimum=1),
    Setting("NOTIFY_LEASE_SECONDS", 120, int, "PINDAI_NOTIFY_LEASE_SECONDS",
            "how long a claimed batch is the worker's; a worker that dies leaves its messages to another "
            "after this", minimum=1),
    Setting("NOTIFY_MAX_ATTEMPTS", 6, int, "PINDAI_NOTIFY_MAX_ATTEMPTS",
            "attempts before a message is `failed` (with the reason, on the staff page)", minimum=1),
    Setting("NOTIFY_RETRY_SECONDS", 60, int, "PINDAI_NOTIFY_RETRY_SECONDS",
            "the first wait before another attempt; doubled after each failure, at most six hours", minimum=1),
    Setting("NOTIFY_POLL_SECONDS", 5.0, float, "PINDAI_NOTIFY_POLL_SECONDS",
            "how often an idle `flask notify-worker` looks for new messages"),
    Setting("SIP2_HOST", "", str, "PINDAI_SIP2_HOST",
            "the library system's SIP2 server (`PINDAI_CIRCULATION=sip2`; docs/connect-sip2.md)"),
    Setting("SIP2_PORT", 6001, int, "PINDAI_SIP2_PORT",
            "its port"),
    Setting("SIP2_LOGIN", "", str, "PINDAI_SIP2_LOGIN",
            "the self-check login (93 CN)"),
    Setting("SIP2_PASSWORD", "", str, "PINDAI_SIP2_PASSWORD",
            "its password (93 CO)"),
    Setting("SIP2_LOCATION", "", str, "PINDAI_SIP2_LOCATION",
            "location code (93 CP, 09 AP)"),
    Setting("SIP2_INSTITUTION", "", str, "PINDAI_SIP2_INSTITUTION",
            "institution id (AO)"),
    Setting("SIP2_TERMINAL_PASSWORD", "", str, "PINDAI_SIP2_TERMINAL_PASSWORD",
            "terminal password (AC), when the server wants one"),
    Setting("SIP2_TLS", "off", str, "PINDAI_SIP2_TLS",
            "`off`, `on` (verify the certificate) or `insecure` (encrypt only), e.g. behind stunnel"),
    Setting("SIP2_TLS_CA", "", str, "PINDAI_SIP2_TLS_CA",
            "a CA or self-signed certificate file to trust (stunnel's)"),
    Setting("SIP2_CONNECT_TIMEOUT", 5.0, float, "PINDAI_SIP2_CONNECT_TIMEOUT",
            "seconds to connect"),
    Setting("SIP2_TIMEOUT", 10.0, float, "PINDAI_SIP2_TIMEOUT",
            "seconds to wait for an answer before asking again (97)"),
    Setting("SIP2_RETRIES", 2, int, "PINDAI_SIP2_RETRIES",
            "resend requests (97) before the server counts as away"),
    Setting("SIP2_ENCODING", "utf-8", str, "PINDAI_SIP2_ENCODING",
            "the institution's encoding: `utf-8`, `ascii`, `latin-1`, `cp1252`"),
    Setting("SIP2_AVAILABILITY_CACHE_SECONDS", 60, int, "PINDAI_SIP2_AVAILABILITY_CACHE_SECONDS",
            "how long an item status (17/18) is reused on pages"),
    Setting("SIP2_REPLAY_SECONDS", 30, int, "PINDAI_SIP2_REPLAY_SECONDS",
            "how often queued offline checkouts are retried"),
    Setting("SIP2_OFFLINE_LOAN_DAYS", 14, int, "PINDAI_SIP2_OFFLINE_LOAN_DAYS",
            "due date shown for a queued checkout (an estimate)"),
    Setting("SLIMS_DATABASE_URL", None, str, "PINDAI_SLIMS_DATABASE_URL",
            "a SLiMS database for `flask slims sync` and `PINDAI_CIRCULATION=slims`, e.g. "
            "`mysql+pymysql://pindai:secret@127.0.0.1/slims` (docs/connect-slims.md)"),
    Setting("RATE_LIMIT_STORAGE", "redis://127.0.0.1:6379/0", str, "PINDAI_RATE_LIMIT_STORAGE",
            "where the rate limits of public forms and APIs count, shared by every worker; `memory://` for one "
            "process (each worker then counts alone); when Redis is down the counts fall back to memory"),
    Setting("RATE_LIMITS", True, bool, "PINDAI_RATE_LIMITS",
            "`0` turns the rate limits of public forms and APIs off (benchmarks)"),
    # Advanced: no environment variable; tests and embedding code pass them to create_app.
    Setting("MAX_PAYLOAD_LENGTH", 2048, int, None,
            "longest scanned text `/api/v1/resolve` reads (longer: `400 payload_too_long`)", hidden=True, minimum=1),
    Setting("MAX_CONTENT_LENGTH", 64 * MB, int, None,
            "largest request body in bytes (Flask's setting; uploads have their own limits below)",
            hidden=True, shown_default="`67108864` (64 MiB)", minimum=1),
    Setting("UPLOAD_LIMITS", {}, dict, None,
            "per-kind upload size limits in bytes, over the built-in ones, e.g. `{\"video\": 100000000}`",
            hidden=True, shown_default="`{}` (video 60 MB, audio 20 MB, image 15 MB, 3D 30 MB, overlay 5 MB)"),
    Setting("MEDIA_STORAGE", "filesystem", str, "PINDAI_MEDIA_STORAGE",
            "media store: `filesystem` (under `PINDAI_MEDIA_ROOT`) or `s3` (an S3-compatible object store "
            "shared by every app server; docs/operations.md)"),
    Setting("MEDIA_S3_BUCKET", "", str, "PINDAI_MEDIA_S3_BUCKET", "the bucket of the `s3` media store"),
    Setting("MEDIA_S3_ENDPOINT", "", str, "PINDAI_MEDIA_S3_ENDPOINT",
            "the `s3` store's address when it is not AWS (MinIO, Ceph...), e.g. `https://s3.perpustakaan.id`"),
    Setting("MEDIA_S3_PREFIX", "media/", str, "PINDAI_MEDIA_S3_PREFIX", "the key prefix of the files in the bucket"),
    Setting("MEDIA_S3_REGION", "", str, "PINDAI_MEDIA_S3_REGION", "the `s3` store's region (AWS)"),
    Setting("LOGIN_MAX_FAILURES", 5, int, None,
            "failed staff logins that lock the account and the address", hidden=True, minimum=1),
    Setting("LOGIN_LOCK_MINUTES", 15, int, None, "how long such a lock lasts", hidden=True, minimum=1),
    Setting("LIBRARY_UTC_OFFSET_HOURS", 7, int, None,
            "the library's hours ahead of UTC for the analytics' days and hours (WIB)", hidden=True),
    Setting("SECRET_KEY_FILE", None, str, None,
            "development only: where the generated session key is kept", hidden=True,
            shown_default="beside the SQLite file (`pindai.db.secret_key`)"),
)

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}
ENV_SETTINGS: dict[str, type] = {s.name: s.type for s in SETTINGS if s.env}
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

MIN_SECRET_KEY = 32  # characters of PINDAI_SECRET_KEY outside development and test
DEV_ENVS = {"development", "dev", "test", "testing"}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def parse(setting: Setting, value: Any, source: str) -> Any:
    """`value` as the setting's type; `source` names where it came from in the error."""
    if value is None and setting.default is None:
        return None
    kind = setting.type
    try:
        if kind is str:
            if not isinstance(value, (str, os.PathLike)):
                raise TypeError
            return value
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in TRUE | FALSE:
                raise ValueError
            return text in TRUE
        if kind in (int, float):
            if isinstance(value, bool):
                raise TypeError
            if isinstance(value, str):
                value = kind(value.strip())
            elif not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
                raise TypeError
            if setting.minimum is not None and value < setting.minimum:
                raise ConfigError(f"{source}={value!r}: {setting.name} must be at least {setting.minimum}")
            return value
        if not isinstance(value, kind):
            raise TypeError
        return value
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}={value!r} is not a valid {kind.__name__} ({setting.help})") from exc


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Merge defaults, ``PINDAI_*`` variables and ``overrides`` into one dict.
    Keys the table does not know (Flask's own, e.g. ``TESTING``) pass through."""
    config: dict[str, Any] = {s.name: (dict(s.default) if isinstance(s.default, dict) else s.default)
                              for s in SETTINGS}
    for setting in SETTINGS:
        value = environ.get(setting.env) if setting.env else None
        if value not in (None, ""):
            config[setting.name] = parse(setting, value, str(setting.env))
    for name, value in (overrides or {}).items():
        config[name] = parse(BY_NAME[name], value, name) if name in BY_NAME else value
    config["PUBLIC_BASE_URL"] = str(config["PUBLIC_BASE_URL"]).rstrip("/")
    if not config.get("SECRET_KEY"):
        if str(config["ENV"]).lower() not in DEV_ENVS:
            raise ConfigError(
                "PINDAI_SECRET_KEY must be set outside development and test "
                "(set PINDAI_ENV=development for a local trial)."
            )
        config["SECRET_KEY"] = secrets.token_hex(32)
        config["SECRET_KEY_GENERATED"] = True  # staff: one key shared by every worker
    elif len(str(config["SECRET_KEY"])) < MIN_SECRET_KEY and str(config["ENV"]).lower() not in DEV_ENVS:
        # Session cookies are signed with it: a short key can be guessed offline from one cookie.
        raise ConfigError(
            f"PINDAI_SECRET_KEY is too short ({len(str(config['SECRET_KEY']))} characters): use at least "
            f"{MIN_SECRET_KEY} random characters, e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'")
    return config
