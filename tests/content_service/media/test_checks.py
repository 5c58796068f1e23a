"""Upload checks on real files: each kind accepted, each bad file refused
with a reason, whatever its name says."""
from __future__ import annotations

import io

import pytest

from content_service.i18n import in_language
from PIL import Image

from content_service.media import checks as uploads
from tests.content_service.staff import samples


@pytest.mark.parametrize(
    "kind, make, media_type",
    [
        ("image", samples.jpeg, "image/jpeg"),
        ("image", samples.png, "image/png"),
        ("image", samples.webp, "image/webp"),
        ("ar_overlay", lambda: samples.png(mode="RGBA"), "image/png"),
        ("video", samples.video, "video/mp4"),
        ("video", lambda: samples.video(".webm"), "video/webm"),
        ("audio", lambda: samples.audio("mp3"), "audio/mpeg"),
        ("audio", lambda: samples.audio("ogg"), "audio/ogg"),
        ("audio", lambda: samples.audio("m4a"), "audio/mp4"),
        ("model3d", samples.glb, "model/gltf-binary"),
        ("usdz", samples.usdz, "model/vnd.usdz+zip"),
    ],
)
def test_each_kind_is_accepted(kind, make, media_type):
    checked = uploads.check(kind, make())
    assert checked.media_type == media_type
    if kind in ("image", "ar_overlay", "video"):
        thumb = Image.open(io.BytesIO(checked.thumbnail))
        assert thumb.format == "WEBP" and max(thumb.size) <= uploads.THUMB_SIDE
    if kind == "video":
        assert checked.duration == pytest.approx(3.0, abs=0.25) and (checked.width, checked.height) == (160, 120)
        assert Image.open(io.BytesIO(checked.poster)).size == (160, 120)
    if kind == "audio":
        assert checked.duration == pytest.approx(0.5, abs=0.15)


def test_images_are_reencoded_without_metadata_or_hidden_payloads():
    # A polyglot: a real JPEG with an HTML/script payload after its end marker.
    original = samples.jpeg() + samples.SCRIPT
    assert b"SecretPhone" in original and b"secret comment" in original
    checked = uploads.check("image", original)
    clean = Image.open(io.BytesIO(checked.data))
    assert clean.format == "JPEG" and clean.size == (640, 480)
    assert not clean.getexif() and "comment" not in clean.info
    for secret in (b"SecretPhone", b"secret comment", b"<script", b"PhoneMaker"):
        assert secret not in checked.data


def test_large_images_are_scaled_down():
    checked = uploads.check("image", samples.png(size=(4000, 1000)))
    assert (checked.width, checked.height) == (uploads.MAX_SIDE, 640)


@pytest.mark.parametrize(
    "kind, make, status, code, says",
    [
        # a wrong type under a good extension: the name is never looked at
        ("video", samples.jpeg, 415, "unsupported_type", "not an MP4 or WebM video"),
        ("video", samples.video_mp4v, 415, "unsupported_type", "mpeg4 codec"),
        ("audio", samples.video, 415, "unsupported_type", "not an MP3, Ogg or M4A"),
        ("image", samples.gif, 415, "unsupported_type", "image/gif"),
        ("model3d", samples.png, 415, "unsupported_type", "not a GLB"),
        ("ar_overlay", samples.png, 422, "upload_refused", "transparency"),
        ("image", samples.svg, 415, "unsupported_type", "SVG, HTML"),
        ("video", samples.html, 415, "unsupported_type", "SVG, HTML"),
        ("image", samples.png_bomb, 422, "decompression_bomb", "megapixels"),
        ("image", lambda: samples.png_bomb(8000, 8000), 422, "decompression_bomb", "8000 x 8000"),
        ("image", lambda: samples.jpeg()[:2000], 422, "upload_refused", "damaged"),
        ("image", lambda: samples.jpeg()[:100], 415, "unsupported_type", "not an image we can read"),
        ("video", lambda: b"\x00\x00\x00\x18ftypisom" + bytes(4000), 422, "upload_refused", "cannot be played"),
        ("audio", lambda: b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(4000), 422, "upload_refused", "cannot be played"),
        ("model3d", lambda: samples.glb(version=1), 422, "upload_refused", "version 1"),
        ("model3d", lambda: samples.glb(fix_length=False), 422, "upload_refused", "header length"),
        ("model3d", lambda: samples.glb(gltf={"asset": {"version": "2.0"},
                                              "buffers": [{"uri": "https://tracker.example/x.bin", "byteLength": 4}]}),
         422, "upload_refused", "outside file"),
        ("usdz", lambda: samples.glb(), 415, "unsupported_type", "USDZ"),
        ("image", lambda: b"", 422, "upload_refused", "empty"),
    ],
)
def test_bad_files_are_refused_with_a_reason(app, kind, make, status, code, says):
    with app.test_request_context("/"):  # the catalogues word the reason, as in a request
        with pytest.raises(uploads.UploadRefused) as refused:
            uploads.check(kind, make())
        error = refused.value
        assert (error.status, error.code) == (status, code)
        english = in_language("en", error.message_en)
        assert says in english and error.message_id and error.message_id != english
        assert "whatever its name says" not in error.message_id  # Indonesian all through, fragments too


def test_size_limits_per_kind():
    data = samples.png()
    with pytest.raises(uploads.UploadTooLarge) as refused:
        uploads.check("image", data, {"image": len(data) - 1})
    assert refused.value.status == 413 and "at most" in refused.value.message_en
    assert uploads.check("image", data, {"image": len(data)}).media_type == "image/png"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.example/", "//example.org", "data:text/html,hi", ""])
def test_links_must_be_http(url):
    with pytest.raises(uploads.UploadRefused):
        uploads.check_link(url)
    assert uploads.check_link(" https://perpustakaan.batam.go.id/x ") == "https://perpustakaan.batam.go.id/x"
