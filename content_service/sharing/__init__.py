"""Sharing a page: what a link shows when pasted into WhatsApp, Facebook or
X (Open Graph and Twitter card tags), the share buttons' links, and square
PNG posters with the page's QR for Instagram.

- ``card``: a page's share card (title, description trimmed to ~200
  characters, image, canonical URL; every URL absolute, from
  ``PUBLIC_BASE_URL``), with its WhatsApp and Facebook links; the template
  macros ``content_service/_share.html`` turn it into ``<meta>`` tags and
  buttons (``static/share.js`` adds "Bagikan" and the copy button).
- ``public_url``: a route's absolute address as the public knows it.
- ``label_url``: the label URL a poster's QR encodes (a code minted if needed).
- ``poster_response``: a poster as a cacheable PNG answer (ETag).

The package's other parts: ``posters`` (drawing the square PNG) and
``books`` (a book's card and poster; an event's are ``events.sharing``)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, current_app, request, url_for
from flask_babel import gettext
from sqlalchemy.orm import Session

from .. import codes, db
from ..i18n import current_language
from .posters import SIZE, Poster, render

DESCRIPTION_LENGTH = 200
POSTER_MAX_AGE = 3600  # an hour: the next date of an event moves on; the ETag says when nothing did
_OG_LOCALES = {"id": "id_ID", "en": "en_US"}


@dataclass(frozen=True)
class Card:
    """A page's share card; every URL absolute."""

    title: str
    description: str
    url: str
    image: str
    image_is_poster: bool
    type: str = "website"

    @property
    def whatsapp(self) -> str:
        return "https://wa.me/?text=" + quote(f"{self.title} {self.url}", safe="")

    @property
    def facebook(self) -> str:
        return "https://www.facebook.com/sharer/sharer.php?u=" + quote(self.url, safe="")

    @property
    def locale(self) -> str:
        language = current_language()
        return _OG_LOCALES.get(language, language.replace("-", "_"))

    @property
    def site_name(self) -> str:
        return gettext("Batam City Public Library")

    @property
    def image_size(self) -> int | None:
        """The poster's side in pixels (a cover's size is not known here)."""
        return SIZE if self.image_is_poster else None


def trim(text: str | None, length: int = DESCRIPTION_LENGTH) -> str:
    """``text`` on one line, cut at a word before ``length`` characters with "…"."""
    flat = " ".join((text or "").split())
    if len(flat) <= length:
        return flat
    cut = flat[:length - 1]
    if " " in cut[length // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,.;:-–—") + "…"


def public_url(endpoint: str, **values) -> str:
    """``endpoint``'s address under ``PUBLIC_BASE_URL`` (the address labels carry),
    whatever host this request came by."""
    path = url_for(endpoint, **values)
    root = request.script_root  # PUBLIC_BASE_URL already ends where the app is mounted
    if root and path.startswith(root):
        path = path[len(root):]
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def absolute(url: str) -> str:
    """A media or page address made absolute under ``PUBLIC_BASE_URL``; another
    site's address (a cover linked from elsewhere) is left as it is."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if url.startswith(request.url_root):
        return f"{base}/{url[len(request.url_root):]}"
    if url.startswith("/") and not url.startswith("//"):
        return base + url
    return url


def card(*, title: str, description: str, url: str, image: str | None, poster_url: str,
         type: str = "website") -> Card:
    """The share card of a page at ``url``: its cover ``image`` if it has one,
    else its square poster (``poster_url``)."""
    return Card(title=" ".join(title.split()), description=trim(description), url=url,
                image=absolute(image) if image else poster_url, image_is_poster=not image, type=type)


def label_url(session: Session, target_type: str, target_id: int) -> tuple[str, str]:
    """(label URL, code) of a target's active code, minting one in a write
    transaction of its own when it has none (a book shared before any label)."""
    row = codes.active_code_for(session, target_type, target_id)
    value = row.code if row else db.write(lambda s: codes.ensure_code(s, target_type, target_id).code, session)
    return codes.label_url(current_app.config["PUBLIC_BASE_URL"], value), value


def poster_response(poster: Poster, filename: str, *, download: bool = False, public: bool = True) -> Response:
    """The poster as PNG with an ETag (304 when the phone or bot has it already);
    ``download`` names it as a file to save (the staff portal's link)."""
    response = Response(mimetype="image/png")
    response.set_etag(poster.etag())
    response.headers["Cache-Control"] = f"public, max-age={POSTER_MAX_AGE}" if public else "private, no-cache"
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if request.if_none_match.contains(poster.etag()):
        response.status_code = 304
        return response
    response.set_data(render(poster))
    return response
