"""Video checks: MP4 or WebM in a codec phone and kiosk browsers play
(H.264, HEVC, AV1, VP9 in MP4; VP8, VP9, AV1 in WebM), a picture size read
from the stream headers and refused above ``MAX_VIDEO_PIXELS`` before a
single frame is decoded (one 8192 x 8192 frame costs a worker over a GB),
every packet the index promises present (a cut-off upload is refused),
every key frame decoded, and a poster frame about a second in."""
from __future__ import annotations

from PIL import Image
from flask_babel import lazy_gettext as _l

from .base import Checked, DecompressionBomb, UnsupportedType, UploadRefused, refuse, wrong_type, either
from .images import encode_image, thumbnail_of
from .streams import BoxError, av_errors, mp4_boxes, open_container, webm_segment_end

MAX_VIDEO_PIXELS = 4096 * 2304  # 4K (DCI) and phone 4K portrait fit; more is no library clip
# FFmpeg's decoder names for what browsers play, per container.
PLAYABLE = {"video/mp4": {"h264", "hevc", "av1", "libdav1d", "libaom-av1", "vp9", "libvpx-vp9"},
            "video/webm": {"vp8", "libvpx", "vp9", "libvpx-vp9", "av1", "libdav1d", "libaom-av1"}}
AUDIO_TRACKS = {"aac", "mp3", "mp3float", "opus", "libopus", "vorbis", "libvorbis", "flac"}
SHORTFALL = 0.5  # seconds the packets may end before the duration the header gives


def _unplayable(codec: str):
    # OpenCV and FFmpeg read more than browsers play: a clip phones cannot play is refused now,
    # not discovered by a visitor.
    refuse(UnsupportedType,
           _l("This video uses the %(value)s codec, which browsers cannot play. Export it as MP4 (H.264 or HEVC) or WebM (VP8/VP9/AV1).", value=either(codec or "unknown", codec or "tak dikenal")), codec=codec)


def _too_big(width: int, height: int):
    refuse(DecompressionBomb,
           _l("The video's picture is %(width)s x %(height)s pixels; at most %(value)s megapixels (4096 x 2304) are accepted.", width=width, height=height, value=format(MAX_VIDEO_PIXELS / 1e6, '.1f')), width=width, height=height)


def _cut_off():
    refuse(UploadRefused, _l("The video is incomplete: it ends before its own index says (was the upload cut off?)."))


def _damaged():
    refuse(UploadRefused, _l("The video cannot be played: no picture could be decoded from it."))


class _Frames:
    """Decoded frames as they come: each one's size checked, the poster kept."""

    def __init__(self, duration: float | None):
        self.short = duration is not None and duration <= 2
        self.first: Image.Image | None = None
        self.poster: Image.Image | None = None

    def add(self, frame) -> None:
        if frame.width * frame.height > MAX_VIDEO_PIXELS:
            _too_big(frame.width, frame.height)
        if self.poster is not None:
            return
        # The poster is a frame about a second in (the first is often black).
        if self.first is None:
            self.first = frame.to_image()
            if self.short:
                self.poster = self.first
        elif float(frame.time or 0) >= 1.0:
            self.poster = frame.to_image()


def _outer_layer(data: bytes, found: str) -> None:
    """The file ends where its container says: MP4 boxes cover it exactly, a WebM's
    segment is not longer than the file."""
    def not_only_video(at: int):
        refuse(UploadRefused, _l("This is not only video: %(value)s bytes at offset %(at)s are not part of the video. Export the video again.", value=format(len(data) - at, ','), at=format(at, ',')))

    if found == "video/mp4":
        try:
            mp4_boxes(data)
        except BoxError as bad:
            if bad.cut:
                _cut_off()
            not_only_video(bad.at)
        return
    try:
        end = webm_segment_end(data)
    except (ValueError, IndexError):
        _damaged()
    if end is not None and end > len(data):
        _cut_off()
    if end is not None and end < len(data):
        not_only_video(end)


def check_video(data: bytes, found: str | None) -> Checked:
    """MP4/WebM that FFmpeg decodes, in a codec browsers play; poster frame and duration."""
    if found not in ("video/mp4", "video/webm"):
        wrong_type("video", found, _l("an MP4 or WebM video"))
    container = open_container(data, found, "video", "Video")
    try:
        _outer_layer(data, found)  # after FFmpeg opened it: what is no video at all says so first
        videos = [s for s in container.streams if s.type == "video" and not s.disposition & 0x400]
        if not videos:
            _damaged()
        stream = videos[0]
        codec = stream.codec_context.name
        if codec not in PLAYABLE[found]:
            _unplayable(codec)
        for audio in (s for s in container.streams if s.type == "audio"):
            if audio.codec_context.name not in AUDIO_TRACKS:
                _unplayable(audio.codec_context.name)
        # The headers' size, before decoding anything; and FFmpeg's own limit on what its
        # decoder allocates, in case a picture's parameters inside the stream say otherwise.
        for s in container.streams.video:
            width, height = s.codec_context.width or 0, s.codec_context.height or 0
            if width * height > MAX_VIDEO_PIXELS:
                _too_big(width, height)
            s.codec_context.options = {"max_pixels": str(MAX_VIDEO_PIXELS)}
        duration = container.duration / 1_000_000 if container.duration else None
        base = stream.time_base
        counts = {s.index: 0 for s in container.streams}
        end, seen = 0.0, _Frames(duration)
        for packet in container.demux():
            if packet.size == 0:
                continue
            counts[packet.stream.index] = counts.get(packet.stream.index, 0) + 1
            if packet.stream.index != stream.index:
                continue
            if packet.pts is not None and base:
                end = max(end, float((packet.pts + (packet.duration or 0)) * base))
            # Every frame up to the poster; after it key frames only: each one checked, cheaply.
            if seen.poster is None or packet.is_keyframe:
                for frame in packet.decode():
                    seen.add(frame)
        for frame in stream.codec_context.decode(None):
            seen.add(frame)
        declared = {s.index: s.frames for s in container.streams if s.frames}  # read before close()
    except av_errors():
        _damaged()
    finally:
        container.close()
    poster = seen.poster or seen.first
    if poster is None:
        _damaged()
    # Every packet the index (MP4 sample tables) promises must be in the file, and the
    # packets must reach the duration the header gives (WebM has no sample table).
    if any(counts.get(index, 0) < frames for index, frames in declared.items()):
        _cut_off()
    if duration and end and end < duration - max(SHORTFALL, duration * 0.02):
        _cut_off()
    width, height = poster.size
    return Checked(found, data, width, height, round(duration or end, 2) or None,
                   thumbnail=thumbnail_of(poster), poster=encode_image(poster, "JPEG"))
