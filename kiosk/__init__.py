"""Pindai kiosk: the camera at the counter.

`kiosk.decoding.decode(image)` reads QR labels and library bar codes from one
frame; `kiosk.sources` opens cameras, files, streams and image folders;
`kiosk.debounce` turns per-frame reads into scan events; `kiosk.scanner`
runs source -> decode -> debounce -> callback in a thread; `python -m kiosk`
is the installer's command line.
"""
