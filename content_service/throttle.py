"""Anti-automation for the public forms and APIs anyone can post to.

Every public POST (event sign-up, survey, feedback, school visits, plays) gets,
from one table here rather than from each view:

- rate limits per address and, where the request names one, per phone number or
  library card, counted in Redis so every gunicorn worker shares them (with an
  in-memory fallback when Redis is down or for a one-process demo);
- for HTML forms: the CSRF token (``public_form_guard()`` in the template) and a
  honeypot field that people never see and bots fill in;
- for the JSON API: an Origin/Referer check, so another site's page cannot post
  in a visitor's name.

Kiosks (a valid kiosk key) are trusted devices inside the library: they are not
counted per address (a whole library shares one), only per phone or card.
A refused request gets a clear 429 page or JSON with ``Retry-After``."""
from __future__ import annotations

import hashlib
import re
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from markupsafe import Markup, escape

from . import db, errors, kiosks, openapi

# The honeypot: a text field hidden from people (and screen readers) by CSS.
HONEYPOT_FIELD = "website"

# endpoint -> (limits per address, limits per phone/card). Limits use
# Flask-Limiter's notation; settings scale them (RATE_LIMITS=False turns them off).
# The second limit counts per phone or card; a dict gives each its own.
# Per phone: a parent registering four children for two dates, and a name typed twice;
# per card: one person, whose PIN guesses are also counted here.
SIGN_UPS = {"card": "5 per hour", "phone": "10 per hour"}
PUBLIC_POSTS: dict[str, tuple[str, str | dict[str, str] | None]] = {
    "events_public.register": ("10 per minute; 60 per hour", SIGN_UPS),
    "events_api.register": ("10 per minute; 60 per hour", SIGN_UPS),
    "events_public.cancel": ("20 per minute", None),
    "events_api.cancel": ("20 per minute", None),
    "events_public.survey": ("10 per minute; 100 per hour", None),
    "events_api.post_feedback": ("10 per minute; 100 per hour", None),
    "events_public.school_visit_form": ("3 per minute; 10 per day", "3 per day"),
    "plays.report_play": ("120 per minute", None),
    # A member's account on the phone: the PIN is also locked after 5 wrong tries (local.authenticate).
    "circulation_account.login": ("10 per minute; 30 per hour", {"card": "10 per hour"}),
    "circulation_account.logout": ("30 per minute", None),
    "circulation_account.renew": ("20 per minute", None),
    "circulation_account.cancel_hold": ("20 per minute", None),
    "circulation_account.reserve": ("20 per minute", None),
    # A member's choices for messages (the link in every message; no login).
    "notifications_member.save": ("20 per minute", None),
}
# HTML forms among them: these carry the CSRF token and the honeypot.
HTML_FORMS = {"events_public.register", "events_public.survey", "events_public.school_visit_form",
              "circulation_account.login", "circulation_account.logout", "circulation_account.renew",
              "circulation_account.cancel_hold", "circulation_account.reserve", "notifications_member.save"}

class ForeignOrigin(errors.PindaiError):
    status = 403
    code = "foreign_origin"
    message_en = _l("This request came from another site and was refused.")


class BotSuspected(errors.PindaiError):
    status = 400
    code = "form_refused"
    message_en = _l("This form could not be accepted. Reload the page and fill it in again.")


def client_address() -> str:
    """The visitor's address (ProxyFix has already applied trusted proxies)."""
    return request.remote_addr or "unknown"


def _body_value(*names: str) -> str | None:
    body = request.get_json(silent=True) if request.is_json else None
    for name in names:
        value = body.get(name) if isinstance(body, dict) else request.form.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def person_kind() -> str:
    """"card" or "phone": what a sign-up names (a card first); empty for neither."""
    return "card" if _body_value("card_number") else "phone" if _body_value("phone") else ""


def _unless_kind(kind: str) -> Callable[[], bool]:
    return lambda: person_kind() != kind


def person_key() -> str:
    """The phone or card a sign-up names, normalised and hashed (never stored
    in clear in Redis); empty when the request names neither."""
    card = _body_value("card_number")
    if card:
        key = "card:" + re.sub(r"[^0-9A-Z]", "", card.upper())
    else:
        phone = _body_value("phone")
        if not phone:
            return ""
        digits = re.sub(r"\D", "", phone)
        if digits.startswith("0"):  # 0812... and +62812... are one phone
            digits = "62" + digits[1:]
        key = "phone:" + digits
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def _from_kiosk() -> bool:
    try:
        return kiosks.request_kiosk() is not None
    except errors.PindaiError:
        return False  # a bad key is refused by the view itself


def _check_origin() -> None:
    """JSON posts from browsers must come from our own pages."""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if not referer:
            return  # not a browser (apps, scripts): rate limits still apply
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(referer))
    if origin == "null":
        raise ForeignOrigin()
    allowed = {request.host_url.rstrip("/"),
               str(current_app.config.get("PUBLIC_BASE_URL", "")).rstrip("/")}
    if origin.rstrip("/") not in allowed:
        raise ForeignOrigin()


def _guard_public_post():
    if request.method != "POST" or request.endpoint not in PUBLIC_POSTS:
        return None
    if request.endpoint in HTML_FORMS:
        if request.form.get(HONEYPOT_FIELD):
            raise BotSuspected()
        # The app's one CSRFProtect (Flask-WTF registers it as the "csrf" extension).
        current_app.extensions["csrf"].protect()
    elif not _from_kiosk():
        _check_origin()
    return None


def public_form_guard() -> Markup:
    """The hidden fields every public form carries: CSRF token and honeypot."""
    from flask_wtf.csrf import generate_csrf

    return Markup(
        f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
        f'<div class="hp" aria-hidden="true"><label>Website <input type="text" name="{HONEYPOT_FIELD}" '
        'tabindex="-1" autocomplete="off"></label></div>')


def init_app(app: Flask) -> None:
    """Called by the application factory after every public blueprint is
    registered: wraps their views in this app's own limiter."""
    limiter = Limiter(
        key_func=client_address, app=app, headers_enabled=True, in_memory_fallback_enabled=True,
        storage_uri=app.config.get("RATE_LIMIT_STORAGE") or "memory://",
        # One namespace per database: two libraries (or two test apps) on one Redis never share counters.
        key_prefix="pindai-" + hashlib.sha256(db.database_url(app).encode()).hexdigest()[:12],
        enabled=bool(app.config.get("RATE_LIMITS", True)))
    app.extensions["pindai.limiter"] = limiter
    for endpoint, (per_address, per_person) in PUBLIC_POSTS.items():
        view: Any = app.view_functions.get(endpoint)
        if view is None:
            continue  # that feature is not installed in this deployment
        if per_person:
            by_kind = per_person if isinstance(per_person, dict) else {"card": per_person, "phone": per_person}
            for kind, limit in by_kind.items():
                view = limiter.limit(limit, key_func=person_key, scope=f"{endpoint}:{kind}", methods=["POST"],
                                     exempt_when=_unless_kind(kind))(view)
        view = limiter.limit(per_address, scope=f"{endpoint}:address", methods=["POST"], exempt_when=_from_kiosk)(view)
        app.view_functions[endpoint] = view
    for rule in app.url_map.iter_rules():  # the API document says so, for each limited operation
        if rule.endpoint in PUBLIC_POSTS and rule.rule.startswith("/api/"):
            path = openapi.spec_path(rule.rule)
            openapi.add_response(app, path, "post", "429",
                                 "rate_limited: too many requests from this address or for this person; "
                                 "Retry-After says when to try again.")
            openapi.add_response(app, path, "post", "403",
                                 "foreign_origin: sent by a page of another site (Origin/Referer).")
    app.before_request(_guard_public_post)
    app.jinja_env.globals["public_form_guard"] = public_form_guard
