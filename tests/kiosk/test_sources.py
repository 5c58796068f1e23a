"""Every kind of frame source, on real files, folders and a real HTTP stream."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import pytest

from kiosk.scan.decoding import decode
from kiosk.scan.sources import (CameraSource, ImageFolderSource, SourceEnded,
                           SourceUnavailable, StreamSource, VideoFileSource,
                           classify, open_source)
from kiosk.demo.symbols import render_qr

URL = "http://127.0.0.1:5000/q/ABCD2345"


def read_all(source, limit=10_000):
    frames = []
    with source:
        with pytest.raises(SourceEnded):
            while len(frames) < limit:
                frames.append(source.read())
    return frames


@pytest.mark.parametrize("spec, kind", [
    ("0", "camera"), ("2", "camera"), ("camera:1", "camera"),
    ("rtsp://10.0.0.5:554/stream1", "stream"), ("http://cam.local/video.mjpg", "stream"),
    ("stream:rtsp://x/1", "stream"), ("demo.mp4", "file"), ("file:0", "file"),
])
def test_source_strings(spec, kind):
    assert classify(spec)[0] == kind
    assert open_source(spec).kind == kind


def test_folder_string(tmp_path):
    assert isinstance(open_source(str(tmp_path)), ImageFolderSource)


def test_missing_camera_is_unavailable_not_a_crash():
    source = CameraSource(97)
    with pytest.raises(SourceUnavailable):
        source.open()
    source.close()
    assert source.live


def test_video_file_reads_every_frame_then_ends(book_video):
    frames = read_all(VideoFileSource(book_video["path"]))
    assert len(frames) == book_video["frames"]
    assert frames[0].shape == (720, 1280, 3)


def test_video_file_loops(book_video):
    source = VideoFileSource(book_video["path"], loop=True)
    with source:
        for _ in range(book_video["frames"] + 5):
            source.read()
        # Frame time keeps counting across the loop (the debouncer's clock).
        assert source.frame_time == pytest.approx((book_video["frames"] + 5) / 30)


def test_missing_file_ends():
    with pytest.raises(SourceEnded):
        VideoFileSource("/nonexistent/video.mp4").open()


def test_image_folder_in_name_order_skipping_non_images(tmp_path):
    for i, text in enumerate(["one", "two", "three"]):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), render_qr(f"{URL}/{text}"))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    frames = read_all(ImageFolderSource(tmp_path))
    assert [decode(f)[0].text for f in frames] == [f"{URL}/one", f"{URL}/two", f"{URL}/three"]
    looping = ImageFolderSource(tmp_path, loop=True)
    with looping:
        assert [decode(looping.read())[0].text[-3:] for _ in range(4)] == ["one", "two", "ree", "one"]


class _MJPEGHandler(BaseHTTPRequestHandler):
    """An IP camera's MJPEG stream: 20 JPEG frames of a QR label."""

    def do_GET(self):
        label = cv2.copyMakeBorder(render_qr(URL, module_px=5), 100, 100, 300, 300,
                                   cv2.BORDER_CONSTANT, value=255)
        jpeg = cv2.imencode(".jpg", cv2.cvtColor(label, cv2.COLOR_GRAY2BGR))[1].tobytes()
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        for _ in range(20):
            self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                             % len(jpeg) + jpeg + b"\r\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def mjpeg_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MJPEGHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    server.shutdown()
    server.server_close()


def test_http_stream(mjpeg_url):
    source = open_source(mjpeg_url)
    assert isinstance(source, StreamSource) and source.live
    frames = []
    with source:
        # A stream that stops is "unavailable" (worth reconnecting), not ended.
        with pytest.raises(SourceUnavailable):
            for _ in range(100):
                frames.append(source.read())
    assert len(frames) == 20
    assert [s.text for s in decode(frames[0])] == [URL]


def test_unreachable_stream_is_unavailable():
    with pytest.raises(SourceUnavailable):
        StreamSource("http://127.0.0.1:9/none.mjpg").open()
