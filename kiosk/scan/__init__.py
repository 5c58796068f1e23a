"""The decoding pipeline: a camera frame in, scan events out.

- `kiosk.scan.sources`: frame sources (camera index, video file, stream URL,
  image folder) behind one `open_source(spec)`;
- `kiosk.scan.decoders`: one adapter per decoding library (zxing-cpp, zbar,
  OpenCV) to one `Scan` type, in the `DECODERS` registry;
- `kiosk.scan.charset`: the text a QR byte payload means (ECI, or a guess);
- `kiosk.scan.decoding`: `decode(image) -> list[Scan]`, the measured chain of
  decoders every caller uses;
- `kiosk.scan.debounce`: per-frame reads -> one `ScanEvent` per code coming
  into view;
- `kiosk.scan.scanner`: `Scanner`, the thread running source -> decode ->
  debounce -> callback, reconnecting a lost camera.

Nothing here knows about the content service or the kiosk page; the kiosk
app (`kiosk.runtime`) feeds the events to both.
"""

from kiosk.scan.decoding import Scan, decode

__all__ = ["Scan", "decode"]
