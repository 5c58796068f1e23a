"""A book's extras through the portal: upload, thumbnails, preview, publish,
reorder, refusals that leave nothing behind, Range requests, plays."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from content_service import kiosks
from content_service.catalogue.models import Asset
from content_service.staff.models import AssetFile, AssetPlay, AuditEntry
from tests.content_service.staff import samples
from tests.factories import make_book


@pytest.fixture
def editor(staff_client):
    return staff_client("editor")


@pytest.fixture
def book(session):
    book = make_book(session, title="Laskar Pelangi", copies=1)
    session.commit()
    return book


def upload(client, token, book, kind, data=None, name="file.bin", **fields):
    form = {"kind": kind, "csrf_token": token, "title": fields.pop("title", f"{kind} uji"), **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post(f"/staff/books/{book.id}/assets", data=form, content_type="multipart/form-data")


def store_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_each_kind_uploads_unpublished_then_publishes_in_order(app, client, session, editor, book):
    staff, token = editor
    files = [("video", samples.video(), "clip.mp4"), ("audio", samples.audio("mp3"), "cerita.mp3"),
             ("image", samples.jpeg(), "foto.jpg"), ("model3d", samples.glb(), "kapal.glb"),
             ("ar_overlay", samples.png(mode="RGBA"), "overlay.png")]
    for kind, data, name in files:
        res = upload(staff, token, book, kind, data, name)
        assert res.status_code == 303, res.get_data(as_text=True)[:400]
    assert upload(staff, token, book, "link", url="https://id.wikipedia.org/wiki/Laskar_Pelangi").status_code == 303
    assets = session.scalars(select(Asset).where(Asset.book_id == book.id).order_by(Asset.position)).all()
    assert [a.kind for a in assets] == ["video", "audio", "image", "model3d", "ar_overlay", "link"]
    assert not any(a.published for a in assets)
    # Visitors see nothing yet; staff see everything in the preview.
    assert client.get(f"/api/v1/books/{book.id}").get_json()["assets"] == []
    preview = staff.get(f"/staff/books/{book.id}/preview").get_data(as_text=True)
    assert "video uji" in preview and "image uji" in preview and "plays.js" not in preview
    # Thumbnails and the video's poster frame and duration were made from the files.
    info = {row.asset_id: row for row in session.scalars(select(AssetFile))}
    video, image = info[assets[0].id], info[assets[2].id]
    assert video.duration_seconds == pytest.approx(3.0, abs=0.2) and video.poster_hash and video.thumbnail_hash
    thumb = client.get(f"/media/{image.thumbnail_hash}.webp")
    assert thumb.status_code == 200 and thumb.mimetype == "image/webp"
    assert Image.open(io.BytesIO(thumb.data)).size == (320, 240)
    assert image.original_name == "foto.jpg" and image.size_bytes < len(samples.jpeg())
    # Publish in a new order: link first.
    order = [assets[5].id] + [a.id for a in assets[:5]]
    res = staff.post(f"/staff/books/{book.id}/assets/order", json={"order": order}, headers={"X-CSRFToken": token})
    assert res.status_code == 200
    for asset in assets:
        assert staff.post(f"/staff/assets/{asset.id}/publish", data={"published": "1", "csrf_token": token}).status_code == 303
    shown = client.get(f"/api/v1/books/{book.id}").get_json()["assets"]
    assert [a["kind"] for a in shown] == ["link", "video", "audio", "image", "model3d", "ar_overlay"]
    page = client.get(f"/books/{book.id}").get_data(as_text=True)
    assert page.index("link uji") < page.index("video uji") < page.index("image uji")
    assert f'poster="/media/{video.poster_hash}.jpg"' in page and "scene-viewer" in page and "plays.js" in page
    # Unpublish takes it away again.
    staff.post(f"/staff/assets/{assets[0].id}/publish", data={"published": "0", "csrf_token": token})
    assert [a["kind"] for a in client.get(f"/api/v1/books/{book.id}").get_json()["assets"]][:2] == ["link", "audio"]
    session.rollback()  # end the test session's read snapshot
    actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.action.not_like("login.%"))
                                                 .order_by(AuditEntry.id))]
    assert actions.count("asset.upload") == 6 and "asset.reorder" in actions and actions[-1] == "asset.unpublish"


REFUSED = [
    ("video", samples.html, "trailer.mp4", 415, "SVG, HTML"),
    ("image", samples.svg, "logo.png", 415, "SVG, HTML"),
    ("video", samples.jpeg, "film.mp4", 415, "bukan an MP4"),
    ("video", samples.video_mp4v, "lama.mp4", 415, "mpeg4"),
    ("image", samples.png_bomb, "bomb.png", 422, "megapiksel"),
    ("model3d", lambda: samples.glb(version=1), "kapal.glb", 422, "GLB"),
]


def test_a_refused_upload_says_why_and_leaves_nothing_behind(app, session, editor, book):
    staff, token = editor
    for kind, make, name, status, says in REFUSED:
        res = upload(staff, token, book, kind, make(), name)
        assert res.status_code == status, name
        page = res.get_data(as_text=True)
        assert 'role="alert"' in page and says.split()[-1] in page, name
        assert session.scalar(select(func.count()).select_from(Asset)) == 0
        assert store_files(app) == []


def test_size_limits_answer_413(make_app, make_staff, book):
    app = make_app(UPLOAD_LIMITS={"image": 1000}, MAX_CONTENT_LENGTH=200_000)
    make_staff("editor")
    from tests.content_service.staff.conftest import csrf_token, login

    staff = app.test_client()
    login(staff, "editor-user")
    token = csrf_token(staff, "/staff/books")
    res = upload(staff, token, book, "image", samples.png(size=(400, 400)) + bytes(2000), "besar.png")
    assert res.status_code == 413
    assert "batas untuk gambar adalah" in res.get_data(as_text=True)
    # Beyond the whole-request limit the server stops reading, with the same kind of answer.
    res = upload(staff, token, book, "video", bytes(300_000), "huge.mp4")
    assert res.status_code == 413 and "terlalu besar" in res.get_data(as_text=True)
    assert store_files(app) == []


TRICKY_NAMES = ["../../../../etc/passwd.png", "..\\..\\windows\\win.ini.png", "/tmp/evil.png", "foto\x00.html.png",
                "....//....//x.png", ".htaccess"]


def test_file_names_never_reach_the_file_system(app, session, editor, tmp_path):
    staff, token = editor
    root = Path(app.config["MEDIA_ROOT"]).resolve()
    for n, name in enumerate(TRICKY_NAMES):
        book = make_book(session)
        session.commit()
        res = upload(staff, token, book, "image", samples.png(size=(300 + n, 200)), name)
        assert res.status_code == 303, name
    session.rollback()
    stored = [row.original_name for row in session.scalars(select(AssetFile))]
    assert len(stored) == len(TRICKY_NAMES)
    for original in stored:
        assert original is None or not ({"/", "\\", "\x00"} & set(original) or ".." in original), original
    for path in store_files(app):
        assert path.resolve().is_relative_to(root) and re.fullmatch(r"[0-9a-f]{64}", path.name)
    assert not (tmp_path / "evil.png").exists() and not Path("/tmp/evil.png").exists()


def test_duplicates_are_stored_once_and_refused_twice_on_one_book(app, session, editor, book):
    staff, token = editor
    other = make_book(session)
    session.commit()
    data = samples.png()
    assert upload(staff, token, book, "image", data).status_code == 303
    res = upload(staff, token, book, "image", data)
    assert res.status_code == 409 and "sudah terpasang" in res.get_data(as_text=True)
    assert upload(staff, token, other, "image", data).status_code == 303
    hashes = {a.media_hash for a in session.scalars(select(Asset))}
    assert len(hashes) == 1 and len(store_files(app)) == 2  # the image and its thumbnail


def test_video_is_served_with_range_etag_and_cache_headers(app, client, session, editor, book):
    staff, token = editor
    data = samples.video()
    upload(staff, token, book, "video", data, "clip.mp4")
    asset = session.scalars(select(Asset)).one()
    url = f"/media/{asset.media_hash}.mp4"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.data == data and whole.mimetype == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes" and "max-age=31536000" in whole.headers["Cache-Control"]
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == data[-10:]
    assert client.get(url, headers={"Range": f"bytes={len(data) + 5}-"}).status_code == 416
    assert client.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304


def test_reorder_must_list_every_extra_once(editor, session, book):
    staff, token = editor
    upload(staff, token, book, "link", url="https://a.example/")
    upload(staff, token, book, "link", url="https://b.example/")
    ids = [a.id for a in session.scalars(select(Asset).order_by(Asset.position))]
    for bad in ([ids[0]], ids + [999], ["x"]):
        res = staff.post(f"/staff/books/{book.id}/assets/order", json={"order": bad}, headers={"X-CSRFToken": token})
        assert res.status_code == 400
    res = staff.post(f"/staff/books/{book.id}/assets/order", json={"order": ids[::-1]})
    assert res.status_code == 400 and b"csrf_failed" in res.data


def test_move_up_and_down_without_dragging(editor, session, book):
    staff, token = editor
    for name in "abc":
        upload(staff, token, book, "link", url=f"https://{name}.example/", title=name)
    ids = {a.title: a.id for a in session.scalars(select(Asset))}
    page = staff.get(f"/staff/books/{book.id}/content").get_data(as_text=True)
    session.rollback()  # (after book.id: reading it again would open a new snapshot before the moves)
    assert page.count("disabled>↑") == 1 and page.count("disabled>↓") == 1  # first cannot go up, last not down
    assert staff.post(f"/staff/assets/{ids['c']}/move", data={"direction": "up", "csrf_token": token}).status_code == 303
    assert staff.post(f"/staff/assets/{ids['a']}/move", data={"direction": "up", "csrf_token": token}).status_code == 303
    order = lambda: [a.title for a in session.scalars(select(Asset).order_by(Asset.position))]  # noqa: E731
    assert order() == ["a", "c", "b"]
    session.rollback()
    staff.post(f"/staff/assets/{ids['a']}/move", data={"direction": "down", "csrf_token": token})
    assert order() == ["c", "a", "b"]


def test_edit_details_and_delete(editor, session, client, book):
    staff, token = editor
    upload(staff, token, book, "link", url="https://a.example/")
    asset = session.scalars(select(Asset)).one()
    res = staff.post(f"/staff/assets/{asset.id}", data={"title": "Wawancara penulis", "caption": "Andrea Hirata",
                                                        "language": "id", "audience": "children", "csrf_token": token})
    assert res.status_code == 303
    session.rollback()
    session.refresh(asset)
    assert (asset.title, asset.caption, asset.language, asset.audience) == ("Wawancara penulis", "Andrea Hirata", "id", "children")
    res = staff.post(f"/staff/assets/{asset.id}", data={"title": "x", "language": "fr", "csrf_token": token})
    assert res.status_code == 400
    asset_id = asset.id
    assert staff.post(f"/staff/assets/{asset_id}/delete", data={"csrf_token": token}).status_code == 303
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Asset)) == 0


def test_model_with_iphone_usdz(editor, session, client, book):
    staff, token = editor
    res = staff.post(f"/staff/books/{book.id}/assets", content_type="multipart/form-data", data={
        "kind": "model3d", "csrf_token": token, "title": "Kapal",
        "file": (io.BytesIO(samples.glb()), "kapal.glb"), "usdz": (io.BytesIO(samples.usdz()), "kapal.usdz")})
    assert res.status_code == 303
    asset = session.scalars(select(Asset)).one()
    row = session.get(AssetFile, asset.id)
    assert row.usdz_hash and client.get(f"/media/{row.usdz_hash}.usdz").mimetype == "model/vnd.usdz+zip"
    staff.post(f"/staff/assets/{asset.id}/publish", data={"published": "1", "csrf_token": token})
    page = client.get(f"/books/{book.id}").get_data(as_text=True)
    assert f'rel="ar" href="/media/{row.usdz_hash}.usdz"' in page


def test_plays_are_counted_per_channel_and_kiosk(client, session, book):
    from tests.factories import make_asset

    asset = make_asset(session, book, published=True)
    hidden = make_asset(session, book, url="https://b.example/", published=False)
    kiosk, key = kiosks.create_kiosk(session, "Kios Anak")
    session.commit()
    assert client.post(f"/api/v1/assets/{asset.id}/plays", json={"channel": "phone"}).status_code == 204
    assert client.post(f"/api/v1/assets/{asset.id}/plays", json={"channel": "kiosk"},
                       headers={"Authorization": f"Bearer {key}"}).status_code == 204
    assert client.post(f"/api/v1/assets/{asset.id}/plays", headers={"Authorization": f"Bearer {key}"}).status_code == 204
    assert client.post(f"/api/v1/assets/{asset.id}/plays", data="not json", content_type="text/plain").status_code == 400
    bad = client.post(f"/api/v1/assets/{asset.id}/plays", json={"channel": "tv"})
    assert bad.status_code == 400 and bad.get_json()["error"]["message_id"]
    assert client.post(f"/api/v1/assets/{asset.id}/plays", json={}, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post(f"/api/v1/assets/{hidden.id}/plays", json={"channel": "phone"}).status_code == 404
    assert client.post("/api/v1/assets/999999/plays", json={"channel": "phone"}).status_code == 404
    plays = session.scalars(select(AssetPlay).order_by(AssetPlay.id)).all()
    assert [(p.channel, p.kiosk_id) for p in plays] == [("phone", None), ("kiosk", kiosk.id), ("kiosk", kiosk.id)]


def test_a_polyglot_is_stored_as_a_clean_image(editor, session, client, book):
    """A JPEG carrying HTML and EXIF/GPS: accepted as a picture, stored and served as pixels only."""
    staff, token = editor
    assert upload(staff, token, book, "image", samples.jpeg() + samples.html(), "foto.jpg").status_code == 303
    asset = session.scalars(select(Asset)).one()
    served = client.get(f"/media/{asset.media_hash}.jpg")
    assert served.mimetype == "image/jpeg" and served.headers["Content-Security-Policy"] == "sandbox"
    assert b"<script" not in served.data and b"<html" not in served.data and b"SecretPhone" not in served.data
    assert Image.open(io.BytesIO(served.data)).size == (640, 480)


def test_replace_a_file_keeps_the_place_and_asks_for_a_new_preview(editor, session, client, book):
    staff, token = editor
    upload(staff, token, book, "image", samples.png(size=(300, 200)), "lama.png", title="Peta Belitong")
    asset = session.scalars(select(Asset)).one()
    asset_id, old_hash = asset.id, asset.media_hash
    staff.post(f"/staff/assets/{asset_id}/publish", data={"published": "1", "csrf_token": token})
    replace = lambda data, name: staff.post(f"/staff/assets/{asset_id}/file", content_type="multipart/form-data",  # noqa: E731
                                            data={"csrf_token": token, "file": (io.BytesIO(data), name)})
    refused = replace(samples.svg(), "baru.png")
    assert refused.status_code == 415
    session.rollback()
    session.expire_all()
    assert session.get(Asset, asset_id).media_hash == old_hash  # a refusal leaves the old file in place
    assert replace(samples.png(size=(400, 300)), "baru.png").status_code == 303
    session.rollback()
    session.expire_all()
    asset, row = session.get(Asset, asset_id), session.get(AssetFile, asset_id)
    assert asset.media_hash != old_hash and (row.width, row.height, row.original_name) == (400, 300, "baru.png")
    assert asset.title == "Peta Belitong" and not asset.published
    assert client.get(f"/api/v1/books/{book.id}").get_json()["assets"] == []
    link = staff.post(f"/staff/books/{book.id}/assets", data={"kind": "link", "url": "https://a.example/",
                                                               "title": "x", "csrf_token": token})
    assert link.status_code == 303
    session.rollback()
    link_id = session.scalars(select(Asset.id).where(Asset.kind == "link")).one()
    assert staff.post(f"/staff/assets/{link_id}/file", content_type="multipart/form-data",
                      data={"csrf_token": token, "file": (io.BytesIO(samples.png()), "x.png")}).status_code == 400

