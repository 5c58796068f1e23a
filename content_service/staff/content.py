"""The heart of the portal: a book's extras (assets). Upload, describe,
reorder, preview, publish and unpublish.

New uploads start unpublished, so staff see them in the preview before any
visitor does."""
from __future__ import annotations

import hashlib
from pathlib import PurePath

from flask import Flask, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from .. import errors, media
from ..catalogue import eresources, shapes
from ..catalogue.eresources import DuplicateAsset
from ..db import get_session
from ..catalogue.models import Asset, Book
from ..catalogue.queries import get_book
from ..media import checks as uploads
from ..media import references
from .access import allowed, audit, bp, requires
from .models import AssetFile

LANGUAGES = ("id", "en", "both")
AUDIENCES = ("all", "children")
KINDS = ("video", "audio", "image", "model3d", "ar_overlay", "ebook", "link", "online")




def register_media_references(app: Flask) -> None:
    """Thumbnails, posters and iPhone models stay served while their asset exists."""
    references.register(app, references.hash_columns(AssetFile.thumbnail_hash, AssetFile.poster_hash,
                                                     AssetFile.usdz_hash))


def stored_files(session: Session, asset: Asset) -> list[str | None]:
    """Every digest in the media store that ``asset`` refers to."""
    row = session.get(AssetFile, asset.id)
    return [asset.media_hash] + ([row.thumbnail_hash, row.poster_hash, row.usdz_hash] if row else [])


def parse_meta(form, fallback_title: str = "") -> dict:
    """Title, caption, language and audience from a form, checked."""
    title = (form.get("title") or "").strip() or fallback_title
    if not title or len(title) > 300:
        raise errors.BadRequest(_l("Give the extra a title (at most 300 characters)."))
    language = form.get("language") or "both"
    audience = form.get("audience") or "all"
    if language not in LANGUAGES or audience not in AUDIENCES:
        raise errors.BadRequest(_l("Unknown language or audience."))
    caption = (form.get("caption") or "").strip()[:2000] or None
    return {"title": title, "caption": caption, "language": language, "audience": audience}


_next_position = eresources.next_position


def add_file_asset(session: Session, book: Book, kind: str, checked: uploads.Checked, meta: dict,
                   original_name: str | None = None, usdz: uploads.Checked | None = None) -> Asset:
    """Store a checked file (and its thumbnail, poster, iPhone model) and
    attach it to ``book``, unpublished."""
    digest = hashlib.sha256(checked.data).hexdigest()
    taken = session.scalars(select(Asset).where(Asset.book_id == book.id, Asset.kind == kind,
                                                Asset.media_hash == digest)).first()
    if taken is not None:
        raise DuplicateAsset(_l("The same file is already attached to this book as “%(title)s”.", title=taken.title))
    store = media.storage()
    stored = store.put(checked.data)
    asset = Asset(book_id=book.id, kind=kind, media_hash=stored, media_type=checked.media_type,
                  position=_next_position(session, book.id), published=False, **meta)
    try:
        with session.begin_nested():
            session.add(asset)
    except IntegrityError:  # the same file sent twice at once: the database's constraint keeps one
        raise DuplicateAsset() from None
    session.add(AssetFile(
        asset_id=asset.id, original_name=original_name, size_bytes=len(checked.data), width=checked.width,
        height=checked.height, duration_seconds=checked.duration,
        thumbnail_hash=store.put(checked.thumbnail) if checked.thumbnail else None,
        poster_hash=store.put(checked.poster) if checked.poster else None,
        usdz_hash=store.put(usdz.data) if usdz else None,
    ))
    return asset


def add_link_asset(session: Session, book: Book, url: str, meta: dict) -> Asset:
    asset = Asset(book_id=book.id, kind="link", url=uploads.check_link(url), position=_next_position(session, book.id),
                  published=False, **meta)
    session.add(asset)
    session.flush()
    return asset


def reorder(session: Session, book: Book, asset_ids: list[int]) -> None:
    """Put the book's assets in the given order (every asset exactly once)."""
    current = {asset.id: asset for asset in book.assets}
    if sorted(asset_ids) != sorted(current):
        raise errors.BadRequest(_l("The new order must list each of the book's extras once."))
    for position, asset_id in enumerate(asset_ids, start=1):
        current[asset_id].position = position


def file_info(session: Session, assets: list[Asset]) -> dict[int, AssetFile]:
    ids = [a.id for a in assets]
    return {row.asset_id: row for row in session.scalars(select(AssetFile).where(AssetFile.asset_id.in_(ids)))} if ids else {}


def asset_links(asset_id: int) -> dict:
    """Poster, thumbnail and iPhone-model URLs of an asset's file (for page templates)."""
    row = get_session().get(AssetFile, asset_id)
    if row is None:
        return {}
    serve = lambda digest, ext: url_for("media.serve", name=digest + ext) if digest else None  # noqa: E731
    return {"poster_url": serve(row.poster_hash, ".jpg"), "thumbnail_url": serve(row.thumbnail_hash, ".webp"),
            "usdz_url": serve(row.usdz_hash, ".usdz"), "size_bytes": row.size_bytes}


def _book(book_id: int) -> Book:
    return get_book(get_session(), book_id)


def _asset(asset_id: int) -> Asset:
    asset = get_session().get(Asset, asset_id)
    if asset is None:
        raise errors.NotFound(_l("No extra with id %(asset_id)s.", asset_id=asset_id))
    return asset


def _page(book: Book, error: errors.PindaiError | None = None, status: int = 200):
    session = get_session()
    assets = sorted(book.assets, key=lambda a: (a.position, a.id))
    return render_template("staff/content.html", book=book, assets=assets, files=file_info(session, assets),
                           asset_dict=shapes.asset_dict, error=error, kinds=KINDS,
                           limits={**uploads.LIMITS, **current_app.config.get("UPLOAD_LIMITS", {})}), status


@bp.get("/books/<int:book_id>/content")
@requires("content")
def book_content(book_id: int):
    return _page(_book(book_id))


@bp.post("/books/<int:book_id>/assets")
@requires("content")
def upload_asset(book_id: int):
    session = get_session()
    book = _book(book_id)
    kind = request.form.get("kind", "")
    try:
        if kind == "link":
            asset = add_link_asset(session, book, request.form.get("url", ""), parse_meta(request.form))
        elif kind == "online":
            provider = request.form.get("provider", "")
            asset = eresources.add_online(session, book, request.form.get("url", ""), provider,
                                     parse_meta(request.form, " ".join(provider.split())[:300]))
        elif kind in uploads.FILE_KINDS:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise uploads.UploadRefused(_l("Choose a file to upload."))
            # The name is only shown to staff: made safe, and never used to store the file.
            name = secure_filename(upload.filename)[:255] or None
            limits = current_app.config.get("UPLOAD_LIMITS")
            checked = uploads.check(kind, upload.read(), limits)
            usdz = None
            extra = request.files.get("usdz")
            if kind == "model3d" and extra is not None and extra.filename:
                usdz = uploads.check("usdz", extra.read(), limits)
            meta = parse_meta(request.form, PurePath(name).stem.replace("_", " ") if name else "")
            asset = add_file_asset(session, book, kind, checked, meta, name, usdz)
        else:
            raise errors.BadRequest(_l("Choose what kind of extra this is."))
    except errors.PindaiError as exc:
        session.rollback()
        return _page(_book(book_id), exc, exc.status)
    audit(session, "asset.upload", "asset", asset.id, book_id=book.id, kind=kind, title=asset.title)
    session.commit()
    return redirect(url_for("staff.book_content", book_id=book.id, _anchor=f"asset-{asset.id}"), 303)


@bp.post("/assets/<int:asset_id>")
@requires("content")
def update_asset(asset_id: int):
    session = get_session()
    asset = _asset(asset_id)
    for name, value in parse_meta(request.form, asset.title).items():
        setattr(asset, name, value)
    if asset.kind == "online" and request.form.get("provider"):
        asset.url, asset.provider = uploads.check_online(asset.url or "", request.form["provider"])
    audit(session, "asset.update", "asset", asset.id, title=asset.title)
    session.commit()
    return redirect(url_for("staff.book_content", book_id=asset.book_id, _anchor=f"asset-{asset.id}"), 303)


def replace_file(session: Session, asset: Asset, checked: uploads.Checked, original_name: str | None) -> list[str | None]:
    """Swap an extra's file, keeping its title, caption and place; it goes back
    to unpublished so staff preview the new file before visitors see it.
    Answers the digests of the files it replaced (for ``references.release``)."""
    digest = hashlib.sha256(checked.data).hexdigest()
    taken = session.scalars(select(Asset).where(Asset.book_id == asset.book_id, Asset.kind == asset.kind,
                                                Asset.media_hash == digest, Asset.id != asset.id)).first()
    if taken is not None:
        raise DuplicateAsset(_l("The same file is already attached to this book as “%(title)s”.", title=taken.title))
    store = media.storage()
    replaced = stored_files(session, asset)
    asset.media_hash, asset.media_type, asset.published = store.put(checked.data), checked.media_type, False
    row = session.get(AssetFile, asset.id) or AssetFile(asset_id=asset.id, size_bytes=0)
    row.original_name, row.size_bytes = original_name, len(checked.data)
    row.width, row.height, row.duration_seconds = checked.width, checked.height, checked.duration
    row.thumbnail_hash = store.put(checked.thumbnail) if checked.thumbnail else None
    row.poster_hash = store.put(checked.poster) if checked.poster else None
    session.add(row)
    return replaced


@bp.post("/assets/<int:asset_id>/file")
@requires("content")
def replace_asset_file(asset_id: int):
    session = get_session()
    asset = _asset(asset_id)
    upload = request.files.get("file")
    try:
        if asset.kind not in uploads.FILE_KINDS:
            raise errors.BadRequest(_l("A link has no file to replace."))
        if upload is None or not upload.filename:
            raise uploads.UploadRefused(_l("Choose a file to upload."))
        name = secure_filename(upload.filename)[:255] or None
        replaced = replace_file(session, asset, uploads.check(asset.kind, upload.read(),
                                                              current_app.config.get("UPLOAD_LIMITS")), name)
    except errors.PindaiError as exc:
        session.rollback()
        return _page(_book(asset.book_id), exc, exc.status)
    audit(session, "asset.replace", "asset", asset.id, title=asset.title)
    session.commit()
    references.release(session, replaced)
    return redirect(url_for("staff.book_content", book_id=asset.book_id, _anchor=f"asset-{asset.id}"), 303)


@bp.errorhandler(RequestEntityTooLarge)
def request_too_large(_exc: RequestEntityTooLarge):
    """A request over MAX_CONTENT_LENGTH: the server stopped reading it, so the
    form is unknown; the answer is the same friendly refusal as a kind's limit."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    error = uploads.UploadTooLarge(
        _l("The upload is too large: one upload may carry at most %(value)s in all. Make the file smaller (a video: export it at a lower resolution) and try again.", value=uploads.human_size(limit)),  # noqa: E501 (one msgid)
        limit_bytes=limit)
    args = request.view_args or {}
    if not errors.wants_json() and allowed("content") and request.endpoint in (
            "staff.upload_asset", "staff.replace_asset_file"):
        try:
            book_id = args.get("book_id") or _asset(args["asset_id"]).book_id
            return _page(_book(book_id), error, 413)
        except errors.PindaiError:
            pass
    return errors.respond(413, error.to_dict())


@bp.post("/assets/<int:asset_id>/publish")
@requires("content")
def publish_asset(asset_id: int):
    session = get_session()
    asset = _asset(asset_id)
    asset.published = request.form.get("published", "1") == "1"
    audit(session, "asset.publish" if asset.published else "asset.unpublish", "asset", asset.id, title=asset.title)
    session.commit()
    return redirect(url_for("staff.book_content", book_id=asset.book_id, _anchor=f"asset-{asset.id}"), 303)


@bp.post("/assets/<int:asset_id>/delete")
@requires("content")
def delete_asset(asset_id: int):
    session = get_session()
    asset = _asset(asset_id)
    book_id = asset.book_id
    files = stored_files(session, asset)
    audit(session, "asset.delete", "asset", asset.id, book_id=book_id, title=asset.title)
    session.delete(asset)
    session.commit()
    # Content-addressed files may be shared with other extras: only those nothing refers to go.
    references.release(session, files)
    return redirect(url_for("staff.book_content", book_id=book_id), 303)


@bp.post("/books/<int:book_id>/assets/order")
@requires("content")
def order_assets(book_id: int):
    session = get_session()
    book = _book(book_id)
    body = request.get_json(silent=True) if request.is_json else None
    raw = body.get("order") if isinstance(body, dict) else request.form.get("order", "").split(",")
    try:
        ids = [int(x) for x in raw or []]
    except (TypeError, ValueError):
        raise errors.BadRequest(_l("The order must be a list of extra ids.")) from None
    reorder(session, book, ids)
    audit(session, "asset.reorder", "book", book.id, order=ids)
    session.commit()
    if request.is_json:
        return jsonify({"order": ids})
    return redirect(url_for("staff.book_content", book_id=book.id), 303)


@bp.post("/assets/<int:asset_id>/move")
@requires("content")
def move_asset(asset_id: int):
    """One step up or down: the order for keyboards and touch screens, where dragging does not work."""
    session = get_session()
    asset = _asset(asset_id)
    book = _book(asset.book_id)
    ids = [a.id for a in sorted(book.assets, key=lambda a: (a.position, a.id))]
    at = ids.index(asset.id)
    to = at - 1 if request.form.get("direction") == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
        reorder(session, book, ids)
        audit(session, "asset.reorder", "book", book.id, order=ids)
        session.commit()
    return redirect(url_for("staff.book_content", book_id=book.id, _anchor=f"asset-{asset.id}"), 303)


@bp.get("/books/<int:book_id>/preview")
@requires("content")
def preview_book(book_id: int):
    """The public page as visitors will see it, with unpublished extras too."""
    book = _book(book_id)
    assets = sorted(book.assets, key=lambda a: (a.position, a.id))
    return render_template(
        "content_service/book.html", book=book, item=None, availability=shapes.availability(book),
        assets=[shapes.asset_dict(a) for a in assets if a.kind != "ar_overlay"], cover_url=shapes.cover_url(book),
        preview=True,
    )
