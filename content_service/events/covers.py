"""An event's cover as the staff form takes it: an uploaded image, never a
typed address.

- ``from_form``: the cover to save from a post: a file chosen now (judged by
  the media upload checks, as an extra's image: size limit, sniffed type,
  decoded and re-encoded by Pillow, markup refused), none when "remove" is
  ticked, one held from an earlier refused post, or the event's own.
- ``hold`` / ``held``: a cover uploaded by a post that was then refused (a
  wrong age, the no-script book search) is kept in the form as its signed
  name, so staff do not choose the file again, and a post can only hold a
  file this form stored (not any name in the store).
- ``shown``: the cover the form shows; ``digest``: the media-store file
  behind a cover (to release a replaced one).

Covers are stored as ``media:<sha256>.<ext>`` (as book covers and the demo
do); ``/media/`` serves one while an event refers to it (``events.init_app``
registers the column with ``media.references``)."""
from __future__ import annotations

import re

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from .. import errors, media
from ..media import checks as uploads

_STORED = re.compile(r"^media:([0-9a-f]{64})(\.(?:png|jpg|webp))$")
_SALT = "pindai.event-cover"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def upload(file) -> str | None:
    """Check and store an uploaded cover (a werkzeug ``FileStorage``);
    None when no file was chosen. Raises ``uploads.UploadRefused``."""
    if file is None or not file.filename:
        return None
    checked = uploads.check("image", file.read(), current_app.config.get("UPLOAD_LIMITS"))
    return f"media:{media.storage().put(checked.data)}{media.extension_for(checked.media_type)}"


def hold(cover: str) -> str:
    """The signed name a re-rendered form carries for a cover not saved yet."""
    return _signer().dumps(cover)


def held(token: str | None) -> str | None:
    """The cover a form holds (``hold``), or None for no token or a forged one."""
    if not token:
        return None
    try:
        cover = _signer().loads(token)
    except BadSignature:
        return None
    if not isinstance(cover, str) or not _STORED.match(cover):
        return None
    # Pruned meanwhile (`flask media-prune` after its grace time): the file must be chosen again.
    return cover if media.storage().exists(digest(cover) or "") else None


def shown(current: str | None, token: str | None) -> dict | None:
    """The cover the form shows: one held from a refused post (not saved yet, so
    through the staff page ``held_cover``: ``/media/`` serves only what an event
    uses), else the event's own (``current``)."""
    if held(token):
        return {"url": url_for("events_staff.held_cover", token=token), "held": token}
    if current:
        stored = current.removeprefix("media:") if digest(current) else None
        return {"url": url_for("media.serve", name=stored) if stored else current, "held": None}
    return None


def limit() -> int:
    """The largest cover file taken (an image's upload limit), in bytes."""
    return {**uploads.LIMITS, **(current_app.config.get("UPLOAD_LIMITS") or {})}["image"]


def stored_file(cover: str):
    """(digest, media type) of a ``media:`` cover's file in the store."""
    match = _STORED.fullmatch(cover)
    if match is None:
        raise ValueError(cover)
    return match[1], {ext: mime for mime, ext in media.EXTENSIONS.items()}[match[2]]


def digest(cover: str | None) -> str | None:
    """The media-store digest of a ``media:`` cover (None for none or an address)."""
    match = _STORED.match(cover or "")
    return match[1] if match else None


def from_form(form, files, current: str | None) -> str | None:
    """The cover a post of the event form asks for; ``current`` is the event's.

    A file chosen now wins (a new cover replaces the old one); then "remove
    cover"; then a cover held from a refused post; else the event keeps its
    own, an address given to ``flask events --cover-url`` included. A typed
    address (``cover_url``, from a form of before covers were uploaded) is
    refused unless it is the event's own cover."""
    uploaded = upload(files.get("cover"))
    if uploaded:
        return uploaded
    if form.get("remove_cover") == "on":
        return None
    token = form.get("cover_held")
    if token:
        cover = held(token)
        if cover is None:
            raise errors.BadRequest(_l("The cover chosen earlier cannot be found; choose the file again."))
        return cover
    typed = (form.get("cover_url") or "").strip()
    if typed and typed != (current or ""):
        raise errors.BadRequest(_l("Upload the cover as an image file (JPEG, PNG or WebP); "
                                   "a web address is no longer taken here."))
    return current
