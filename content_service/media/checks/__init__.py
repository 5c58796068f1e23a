"""Upload checks: every file is judged by its bytes, never by its name.

``check(kind, data)`` sniffs the bytes, opens the file with a real parser
and answers what to store, or raises ``UploadRefused`` saying why (a 4xx
with the reason in Indonesian and English; never a 500). One module per
kind: ``images`` (Pillow, after ``png`` walks the chunks; decoded and
re-encoded, which drops metadata and anything hidden after or inside the
image), ``video`` and ``audio`` (FFmpeg through PyAV, ``streams``),
``gltf`` (GLB by the glTF 2.0 spec), ``usdz``, and e-books: ``epub`` (by
OCF and its package document, no scripts) and ``pdf`` (pypdf, no active
content); ``zips`` checks what every zip-based format shares; ``base`` holds the
limits and refusals they share. Nothing is written anywhere until a file
has passed."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from .base import (FILE_KINDS, KIND_NAMES, LIMITS, MAX_PIXELS, MAX_SIDE, MB, THUMB_SIDE, Checked, DecompressionBomb,  # noqa: F401
                   UnsupportedType, UploadRefused, UploadTooLarge, human_size, refuse, sniff, wrong_type)
from .base import either
from .audio import check_audio
from .epub import check_epub
from .gltf import check_glb
from .images import check_image, check_overlay, encode_image, thumbnail_of  # noqa: F401
from .pdf import check_pdf
from .usdz import check_usdz
from .video import check_video

log = logging.getLogger(__name__)


def _looks_like_markup(data: bytes) -> bool:
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") or b"<svg" in text or b"<html" in text or b"<script" in text


def check(kind: str, data: bytes, limits: dict | None = None) -> Checked:
    """Validate ``data`` as an asset of ``kind``; raises ``UploadRefused``."""
    if kind not in FILE_KINDS and kind != "usdz":
        refuse(UploadRefused, _l("Unknown asset kind %(kind)s.", kind=repr(kind)))
    limit = {**LIMITS, **(limits or {})}[kind]
    if len(data) > limit:
        name_id, name_en = KIND_NAMES[kind]
        refuse(UploadTooLarge, _l("The file is %(size)s; %(name)s may be at most %(limit)s.", size=human_size(len(data)),
                                   name=either(name_en, name_id), limit=human_size(limit)),
               limit_bytes=limit)
    if not data:
        refuse(UploadRefused, _l("The file is empty."))
    if _looks_like_markup(data):
        refuse(UnsupportedType, _l("SVG, HTML and other markup files are not accepted."))
    found = sniff(data)
    try:
        return _CHECKS[kind](data, found)
    except UploadRefused:
        raise
    except Exception:  # a parser failing in a way no check foresaw: refused, never a 500
        log.exception("upload check of a %s (%s, %d bytes) failed unexpectedly", kind, found, len(data))
        refuse(UploadRefused, _l("This file could not be checked, so it cannot be accepted. Export it again and retry."))


_CHECKS = {
    "image": check_image,
    "ar_overlay": check_overlay,
    "video": check_video,
    "audio": check_audio,
    "model3d": check_glb,
    "usdz": check_usdz,
    "ebook": lambda data, found: check_pdf(data, found) if found == "application/pdf" else check_epub(data, found),
}


def check_link(url: str) -> str:
    """An external link must be an absolute http(s) URL."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 1000:
        refuse(UploadRefused, _l("A link must be a full http:// or https:// address."))
    return url


def check_online(url: str, provider: str) -> tuple[str, str]:
    """An online resource (iPusnas, an e-journal, a database): an https address
    a phone can open (no credentials in it, no spaces or control characters, not
    this computer or the library's own network), and its provider's name."""
    import ipaddress

    url, provider = (url or "").strip(), " ".join((provider or "").split())
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        parts, host = None, ""
    if not parts or parts.scheme != "https" or not host or len(url) > 1000 or not url.isascii() \
            or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        refuse(UploadRefused, _l("An online resource must be a full https:// address."))
    if parts.username is not None or parts.password is not None:
        refuse(UploadRefused, _l("An online resource's address may not carry a user name or password."))
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")) or "." not in host or (
            address is not None and not address.is_global):
        refuse(UploadRefused, _l("An online resource must be on the internet, not on this computer or the library's own network."))
    if not provider or len(provider) > 100:
        refuse(UploadRefused, _l("Name the provider of the online resource (for example iPusnas), at most 100 characters."))
    return url, provider
