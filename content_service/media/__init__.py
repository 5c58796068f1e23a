"""The media store: content-addressed files (named by their SHA-256), so a
file uploaded twice is stored once and a name can never leave the store.
Storage backends are picked by name from ``STORAGES``: ``filesystem`` (the
default, under ``MEDIA_ROOT``) and ``s3`` (an S3-compatible object store,
``media.s3``, shared by every app server).

``checks`` (``content_service.media.checks``) judges every uploaded file by
its bytes before anything reaches the store; ``references`` knows which
stored files something still uses: only those are served (404 otherwise),
and the others are deleted.

Kiosk pages run on their own origin (the kiosk computer's local server) and
fetch models with `fetch()` (model-viewer), so `/media/` answers CORS for
the origins in ``MEDIA_CORS_ORIGINS``: reads only (GET, HEAD, and the
preflight of a ranged read), never credentials."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request, send_file

from .. import errors
from ..db import get_session
from . import references

EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "audio/wav": ".wav",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "model/gltf-binary": ".glb",
    "model/vnd.usdz+zip": ".usdz",
    "application/epub+zip": ".epub",
    "application/pdf": ".pdf",
}
_TYPES = {ext: mime for mime, ext in EXTENSIONS.items()}
# Stored files answer ``Content-Security-Policy: sandbox`` (``security``), except a
# PDF e-book: it opens in the browser's own viewer, which Chromium refuses in a
# sandboxed document and draws with an <embed> and inline styles (crbug.com/271452).
# Nothing else is allowed: the upload checks refused any PDF with JavaScript or actions.
PDF_CSP = ("default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_NAME = re.compile(r"^([0-9a-f]{64})(\.[a-z0-9]{2,5})?$")


def extension_for(media_type: str | None) -> str:
    return EXTENSIONS.get(media_type or "", "")


class FilesystemStorage:
    """Files under ``root/ab/abcdef...``; writes go through a temp file and a
    rename so a reader never sees half a file."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        else:
            # A fresh write time: ``references.release`` leaves recently written files alone,
            # so a file deleted elsewhere cannot vanish under an upload on its way to commit.
            os.utime(target)
        return digest

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def modified(self, digest: str) -> float:
        return self.path(digest).stat().st_mtime

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def open(self, digest: str):
        """The stored file, to read."""
        return open(self.path(digest), "rb")

    def local_copy(self, digest: str) -> Path:
        """A file on this machine with the stored bytes (for libraries that want a path): the file itself."""
        return self.path(digest)

    def send(self, digest: str, mimetype: str, max_age: int) -> Response:
        """The file as a response: ETag, conditional GETs and byte ranges (send_file)."""
        return send_file(self.path(digest), mimetype=mimetype, etag=digest, conditional=True, max_age=max_age)

    def digests(self) -> Iterator[str]:
        """Every stored file's digest."""
        if self.root.is_dir():
            for path in self.root.glob("??/*"):
                if _NAME.match(path.name) and not path.suffix:
                    yield path.name


def _s3(config, root):
    from .s3 import S3Storage

    return S3Storage.from_config(config, root)


# name -> factory(config, root): the backends ``PINDAI_MEDIA_STORAGE`` chooses.
STORAGES = {"filesystem": lambda config, root: FilesystemStorage(root), "s3": _s3}

bp = Blueprint("media", __name__)


def storage():
    return current_app.extensions["pindai.media"]


def cors_origin(origin: str | None) -> str | None:
    """The `Access-Control-Allow-Origin` to send to a page of `origin`, or None."""
    allowed = (current_app.config.get("MEDIA_CORS_ORIGINS") or "").split()
    if "*" in allowed:
        return "*"
    if origin and origin.rstrip("/") in {a.rstrip("/") for a in allowed}:
        return origin
    return None


@bp.after_request
def _cors(response: Response) -> Response:
    allow = cors_origin(request.headers.get("Origin"))
    if allow is not None:
        response.headers["Access-Control-Allow-Origin"] = allow
        response.headers["Access-Control-Expose-Headers"] = "Content-Length, Content-Range, Accept-Ranges, ETag"
        # Loaded by another origin's page: resource policy must not block it.
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if allow not in (None, "*"):
        response.vary.add("Origin")
    return response


def _preflight() -> Response:
    """A cross-origin read with a `Range` header is preflighted."""
    response = Response(status=204)
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    if cors_origin(request.headers.get("Origin")) is not None:
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
        response.headers["Access-Control-Allow-Headers"] = "Range"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.route("/media/<name>", methods=["GET", "OPTIONS"])
def serve(name: str):
    if request.method == "OPTIONS":
        return _preflight()
    match = _NAME.match(name)
    if not match:
        raise errors.NotFound()
    digest, ext = match.group(1), match.group(2) or ""
    store = storage()
    # A file nothing refers to any more (a deleted extra) is gone for visitors, at once.
    if not store.exists(digest) or not references.served(get_session(), digest):
        raise errors.NotFound()
    # Content-addressed: the bytes behind a name never change.
    return store.send(digest, _TYPES.get(ext, "application/octet-stream"), 31536000)


def init_app(app: Flask) -> None:
    root = app.config.get("MEDIA_ROOT") or Path(app.root_path).parent / "media" / "store"
    name = app.config.get("MEDIA_STORAGE", "filesystem")
    if name not in STORAGES:
        from ..config import ConfigError

        raise ConfigError(f"PINDAI_MEDIA_STORAGE={name!r}: choose one of {', '.join(STORAGES)}")
    app.extensions["pindai.media"] = STORAGES[name](app.config, root)
    app.register_blueprint(bp)
    app.cli.add_command(references.prune_command)
    from ..catalogue.models import Asset, Book, Narration

    references.register(app, references.hash_columns(Asset.media_hash, Narration.media_hash))
    references.register(app, references.url_columns(Book.cover_url))
