"""Every malicious upload in ``malicious.CASES`` driven through the real
staff portal upload form (SQLite, and PostgreSQL when TEST_DATABASE_URL is
set): refused with a 4xx whose reason the person sees in Indonesian and
English, and nothing stored, neither a row nor a file. Then the whole set
again through a real gunicorn with two workers on SQLite, with the figures
printed (cases tried, 5xx, refused, accepted). Beside them: what must still
be accepted (HEVC, AV1, VP9, a long narration, tagged MP3s), deleted extras
no longer served, and the 413 answers."""
from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from content_service.media import checks
from content_service.catalogue.models import Asset
from tests.content_service.staff import samples
from tests.security import malicious
from tests.security.conftest import stored

REPO = Path(__file__).resolve().parents[2]
_MADE: dict[str, bytes] = {}


def made(name: str) -> bytes:
    """Each malicious file is made once per test run (some take seconds to encode)."""
    if name not in _MADE:
        maker = next(make for case, _kind, make, _cls in malicious.CASES if case == name)
        _MADE[name] = maker()
    return _MADE[name]


def form_for(kind: str, data: bytes, name: str) -> tuple[dict, dict]:
    """(fields, files) of the upload form; a USDZ rides beside a good GLB, as staff send it."""
    if kind == "usdz":
        return {"kind": "model3d", "title": "usdz uji"}, {"file": ("kapal.glb", samples.glb()), "usdz": (name, data)}
    return {"kind": kind, "title": f"{kind} uji"}, {"file": (name, data)}


def upload(client, token, book_id, kind, data, name="file.bin", **headers):
    fields, files = form_for(kind, data, name)
    form = {**fields, "csrf_token": token, **{k: (io.BytesIO(d), n) for k, (n, d) in files.items()}}
    return client.post(f"/staff/books/{book_id}/assets", data=form, content_type="multipart/form-data",
                       headers=headers)


def in_language_outside(app, message) -> str:
    """``message`` in English, rendered with the app's catalogues."""
    from content_service.i18n import in_language

    with app.test_request_context("/"):
        return in_language("en", message)


@pytest.mark.parametrize("name, kind, cls", [(n, k, c) for n, k, _m, c in malicious.CASES],
                         ids=[n for n, *_ in malicious.CASES])
def test_malicious_upload_is_refused_and_nothing_is_stored(app, session, editor, book, name, kind, cls):
    staff, token = editor
    data = made(name)
    with app.test_request_context("/"), pytest.raises(checks.UploadRefused) as refusal:
        checks.check(kind, data)  # worded by the catalogues, as in a request
    english = in_language_outside(app, refusal.value.message_en)
    res = upload(staff, token, book.id, kind, data, f"{cls}.bin")
    page = res.get_data(as_text=True)
    assert 400 <= res.status_code < 500, (name, res.status_code, page[:300])
    assert res.status_code == refusal.value.status
    # The person sees why, in both languages.
    assert f'data-error-code="{refusal.value.code}"' in page
    assert str(escape(refusal.value.message_id)) in page and str(escape(english)) in page
    assert session.scalar(select(func.count()).select_from(Asset)) == 0
    assert stored(app) == []


def test_a_usdz_beside_a_good_model_is_refused_too(app, session, editor, book):
    staff, token = editor
    res = staff.post(f"/staff/books/{book.id}/assets", content_type="multipart/form-data", data={
        "kind": "model3d", "csrf_token": token, "title": "Kapal", "file": (io.BytesIO(samples.glb()), "kapal.glb"),
        "usdz": (io.BytesIO(malicious.usdz_entries(["..\\..\\evil.usda"])), "kapal.usdz")})
    assert res.status_code == 422 and "USDZ" in res.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Asset)) == 0 and stored(app) == []


# --- what must still pass -----------------------------------------------------

def _id3v1(title: str) -> bytes:
    return b"TAG" + title.encode().ljust(30, b"\x00") + bytes(95)


@pytest.mark.parametrize("label, kind, make, media_type", [
    ("HEVC in MP4", "video", malicious.hevc_clip, "video/mp4"),
    ("AV1 in MP4", "video", lambda: malicious.video_frames(160, 120, 20, "libsvtav1"), "video/mp4"),
    ("VP9 in WebM", "video", lambda: malicious.video_frames(160, 120, 20, "libvpx-vp9", "webm"), "video/webm"),
    ("H.264 index first", "video", malicious.faststart_clip, "video/mp4"),
    ("fragmented MP4", "video", lambda: malicious.video_frames(
        160, 120, 30, container_options={"movflags": "frag_keyframe+empty_moov"}), "video/mp4"),
    ("WebM of unknown size (as MediaRecorder writes)", "video", lambda: malicious.video_frames(
        160, 120, 30, "libvpx", "webm", container_options={"live": "1"}), "video/webm"),
    ("M4A with moov first", "audio", lambda: malicious.m4a_faststart(), "audio/mp4"),
    ("4096x2304 H.264", "video", lambda: malicious.video_frames(4096, 2304, 2, options={"preset": "ultrafast"}),
     "video/mp4"),
    ("MP3 with an ID3v1 tag", "audio", lambda: samples.audio("mp3", 2) + _id3v1("Laskar Pelangi"), "audio/mpeg"),
    ("PNG with a small zTXt", "image", lambda: malicious.png_with_chunk(b"zTXt", b"Comment\x00\x00" +
                                                                       __import__("zlib").compress(b"halo" * 100)),
     "image/png"),
    ("GLB with indices", "model3d", lambda: malicious.indexed_triangle(2), "model/gltf-binary"),
    ("USDZ with a texture", "usdz", lambda: malicious.usdz_entries(["textures/kapal.png"]), "model/vnd.usdz+zip"),
    ("EPUB 3", "ebook", samples.epub, "application/epub+zip"),
    ("EPUB 2 with an NCX, a doctype and an image", "ebook", malicious.epub2_with_ncx, "application/epub+zip"),
    ("PDF of 3 pages", "ebook", lambda: samples.pdf(3), "application/pdf"),
    ("PDF with a web link and an opening page", "ebook", lambda: malicious.pdf_page_with(
        b"/Annots [4 0 R]", b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://batam.go.id/) >> >>",
        catalog=b"/OpenAction [3 0 R /Fit] "), "application/pdf"),
])
def test_good_files_of_each_class_still_pass(label, kind, make, media_type):
    assert checks.check(kind, make()).media_type == media_type


@pytest.mark.parametrize("fmt", ["mp3", "ogg", "m4a"])
def test_a_ten_minute_narration_is_decoded_quickly(fmt):
    data = samples.audio(fmt, seconds=600)
    started, cpu = time.perf_counter(), time.process_time()
    checked = checks.check("audio", data)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\n10-minute {fmt} narration ({len(data) / 1e6:.1f} MB), decoded to the end: "
          f"{took:.2f} s ({cpu:.2f} s of CPU)")
    assert checked.duration == pytest.approx(600, abs=0.5)
    assert cpu < 5  # CPU time: the wall clock on a shared machine says more about the neighbours


# --- deleted extras, 413 ------------------------------------------------------

def test_deleted_extras_are_no_longer_served_and_leave_the_store(app, client, session, editor, book):
    from tests.factories import make_book

    staff, token = editor
    other = make_book(session)
    session.commit()
    data = samples.png()
    assert upload(staff, token, book.id, "image", data, "peta.png").status_code == 303
    assert upload(staff, token, other.id, "image", data, "peta.png").status_code == 303  # the same file twice
    assets = session.scalars(select(Asset).order_by(Asset.id)).all()
    url = f"/media/{assets[0].media_hash}.png"
    assert client.get(url).status_code == 200
    for path in stored(app):  # as if written an hour ago: past the grace for uploads in flight
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    staff.post(f"/staff/assets/{assets[0].id}/delete", data={"csrf_token": token})
    assert client.get(url).status_code == 200 and len(stored(app)) == 2  # the other book still shows it
    staff.post(f"/staff/assets/{assets[1].id}/delete", data={"csrf_token": token})
    assert client.get(url).status_code == 404
    assert stored(app) == []


def test_unreferenced_files_are_pruned(app, session, runner):
    with app.test_request_context():
        from content_service.media import storage

        digest = storage().put(b"tertinggal")
    assert runner.invoke(args=["media-prune"]).output.startswith("Removed 0")  # too fresh: an upload may be in flight
    res = runner.invoke(args=["media-prune", "--grace", "0"])
    assert res.exit_code == 0 and "Removed 1" in res.output and stored(app) == [], (res.output, digest)


def test_413_names_the_kind_in_both_languages(make_app, session, book):
    from content_service.staff.access import create_staff
    from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, csrf_token, login

    app = make_app(UPLOAD_LIMITS={"ar_overlay": 1000}, MAX_CONTENT_LENGTH=200_000)
    create_staff(session, "editor-user", PASSWORD, "editor", "Staf", method=FAST_HASH)
    session.commit()
    staff = app.test_client()
    login(staff, "editor-user")
    token = csrf_token(staff, "/staff/books")
    page = upload(staff, token, book.id, "ar_overlay", samples.png(mode="RGBA", size=(400, 400))).get_data(as_text=True)
    assert "an AR overlay may be at most 1 KB" in page and "batas untuk overlay AR adalah 1 KB" in page
    assert "a ar_overlay" not in page
    # Over the whole-request limit: the same friendly page (the upload form, the reason), not the generic one.
    res = upload(staff, token, book.id, "video", bytes(300_000), "besar.mp4")
    page = res.get_data(as_text=True)
    assert res.status_code == 413 and 'data-error-code="upload_too_large"' in page
    assert "paling banyak 195 KB seluruhnya" in page and "at most 195 KB in all" in page and 'id="upload-form"' in page
    res = upload(staff, token, book.id, "video", bytes(300_000), "besar.mp4", Accept="application/json")
    assert res.status_code == 413 and res.get_json()["error"]["code"] == "upload_too_large"
    assert stored(app) == []


# --- the same files through gunicorn, two workers ------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_case_through_gunicorn_with_two_workers(tmp_path):
    import requests

    from content_service import create_app
    from content_service.db import Base, get_engine
    from content_service.staff.access import create_staff
    from tests.content_service.staff.conftest import PASSWORD
    from tests.factories import make_book

    db = f"sqlite:///{tmp_path / 'pindai.db'}"
    media = tmp_path / "media"
    config = {"ENV": "development", "DATABASE_URL": db, "MEDIA_ROOT": str(media), "SECRET_KEY": "k" * 48}
    app = create_app(dict(config))
    with app.app_context():
        Base.metadata.create_all(get_engine())
    session = app.extensions["pindai.sessionmaker"]()
    create_staff(session, "editor-user", PASSWORD, "editor", "Staf editor", method="pbkdf2:sha256:1000")
    book_id = make_book(session, title="Laskar Pelangi").id
    session.commit()
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PINDAI_")},
           **{f"PINDAI_{k}": v for k, v in config.items()}, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
                               "content_service:create_app()"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # two workers starting on a busy machine
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/ping", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        web = requests.Session()
        token_of = lambda page: re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # noqa: E731
        res = web.post(f"{base}/staff/login", allow_redirects=False, data={
            "username": "editor-user", "password": PASSWORD, "csrf_token": token_of(web.get(f"{base}/staff/login").text)})
        assert res.status_code == 302
        token = token_of(web.get(f"{base}/staff/books").text)
        figures = {"tried": 0, "5xx": 0, "refused": 0, "accepted": 0}
        for name, kind, _make, cls in malicious.CASES:
            fields, files = form_for(kind, made(name), f"{cls}.bin")
            res = web.post(f"{base}/staff/books/{book_id}/assets", allow_redirects=False,
                           data={**fields, "csrf_token": token}, files=files)
            figures["tried"] += 1
            if res.status_code >= 500:
                figures["5xx"] += 1
            elif 400 <= res.status_code < 500 and 'role="alert"' in res.text:
                figures["refused"] += 1
            else:
                figures["accepted"] += 1
        print(f"\ngunicorn, 2 workers, SQLite: {figures['tried']} cases tried, {figures['5xx']} 5xx, "
              f"{figures['refused']} refused, {figures['accepted']} accepted")
        assert figures == {"tried": len(malicious.CASES), "5xx": 0, "refused": len(malicious.CASES), "accepted": 0}
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Asset)) == 0
        assert not [p for p in media.rglob("*") if p.is_file()]
        # Over the 64 MB request limit: the friendly page through the real server too.
        res = web.post(f"{base}/staff/books/{book_id}/assets", data={"kind": "video", "csrf_token": token},
                       files={"file": ("film.mp4", bytes(70 << 20))}, timeout=120)
        assert res.status_code == 413 and 'id="upload-form"' in res.text and "paling banyak 64 MB" in res.text
        # The server was there to accept a good file all along.
        res = web.post(f"{base}/staff/books/{book_id}/assets", allow_redirects=False,
                       data={"kind": "audio", "csrf_token": token, "title": "Cerita"},
                       files={"file": ("cerita.mp3", samples.audio("mp3", 2))})
        assert res.status_code == 303
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode(errors="replace")
        session.close()
        app.extensions["pindai.engine"].dispose()
    assert "Traceback" not in output, output[-3000:]


def test_another_worker_stops_serving_a_deleted_extra_within_seconds(make_app, app, client, session, editor, book,
                                                                     monkeypatch):
    """Two apps on one database and store, as two gunicorn workers: the one that deletes
    answers 404 at once, the other once its memory of the file expires."""
    from content_service.media import references

    monkeypatch.setattr(references, "SEEN_SECONDS", 1.0)
    other_worker = make_app().test_client()
    staff, token = editor
    assert upload(staff, token, book.id, "image", samples.png(), "peta.png").status_code == 303
    asset = session.scalars(select(Asset)).one()
    url = f"/media/{asset.media_hash}.png"
    assert client.get(url).status_code == 200 and other_worker.get(url).status_code == 200
    staff.post(f"/staff/assets/{asset.id}/delete", data={"csrf_token": token})
    assert client.get(url).status_code == 404
    time.sleep(1.1)
    assert other_worker.get(url).status_code == 404
