"""Generated demo media, drawn from scratch (nothing is downloaded).

- `kiosk.demo.symbols`: the symbols a library prints (QR, EAN-13, Code 128,
  Code 39, Codabar) as images, with encoders independent of the decoders;
- `kiosk.demo.synth`: a book cover carrying a QR label moved in front of the
  camera, written as a video with its ground truth (`render_book_video`), and
  the still-frame pieces tests use (`scene`, `place`).

Used by `make demo`, the tests and the benchmarks; the kiosk itself never
imports it.
"""
